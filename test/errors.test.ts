import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ERROR_CODES, LoadError, PathError, TreeRightsError, formatProblem } from "../src/index.js";
import { PROBLEM_CODES } from "../src/loader/parse/problems.js";
import { API_ERROR_CODES, CLUSTER_ERROR_CODES } from "../src/server/index.js";

const doc = readFileSync(new URL("../docs/errors.md", import.meta.url), "utf8");

describe("error registry", () => {
  it("documents every thrown error code in docs/errors.md", () => {
    for (const code of Object.keys(ERROR_CODES)) {
      expect(doc, `docs/errors.md lacks \`${code}\``).toContain(`\`${code}\``);
    }
  });

  it("documents every load and lint problem code with its severity", () => {
    for (const [code, info] of Object.entries(PROBLEM_CODES)) {
      expect(doc, `docs/errors.md lacks problem \`${code}\``).toContain(`| \`${code}\` | ${info.severity} |`);
    }
  });

  it("documents every HTTP error code, in the HTTP table", () => {
    const start = doc.indexOf("## HTTP error codes");
    const http = doc.slice(start, doc.indexOf("\n## ", start + 1));
    for (const code of Object.keys(API_ERROR_CODES)) {
      expect(http, `docs/errors.md lacks HTTP code \`${code}\` in its HTTP table`).toMatch(new RegExp(`^\\| \\d{3} \\| \`${code}\` \\|`, "m"));
    }
  });

  it("documents no code in a table that its registry lacks", () => {
    const table = (heading: string, row: RegExp): string[] => {
      const start = doc.indexOf(heading);
      expect(start, `docs/errors.md has \`${heading}\``).toBeGreaterThanOrEqual(0);
      const end = doc.indexOf("\n## ", start + 1);
      return [...doc.slice(start, end === -1 ? undefined : end).matchAll(row)].map((m) => m[1] ?? "");
    };
    const sorted = (codes: Iterable<string>): string[] => [...codes].sort();
    expect(sorted(table("## HTTP error codes", /^\| \d{3} \| `([a-z_0-9]+)` \|/gm))).toEqual(sorted(Object.keys(API_ERROR_CODES)));
    expect(sorted(table("## Thrown error codes", /^\| `([a-z_0-9]+)` \|/gm))).toEqual(sorted(Object.keys(ERROR_CODES)));
    expect(sorted(table("## Cluster error codes", /^\| `([a-z_0-9]+)` \|/gm))).toEqual(sorted(Object.keys(CLUSTER_ERROR_CODES)));
    expect(sorted(table("## Load and lint problem codes", /^\| `([a-z_0-9]+)` \|/gm))).toEqual(sorted(Object.keys(PROBLEM_CODES)));
  });

  it("documents every cluster error code, in the cluster table", () => {
    const start = doc.indexOf("## Cluster error codes");
    const cluster = doc.slice(start, doc.indexOf("\n## ", start + 1));
    for (const [code, meaning] of Object.entries(CLUSTER_ERROR_CODES)) {
      expect(cluster, `docs/errors.md lacks cluster code \`${code}\``).toContain(`| \`${code}\` | ${meaning} |`);
    }
  });

  it("uses snake_case codes only, each in one registry", () => {
    const all = [...Object.keys(ERROR_CODES), ...Object.keys(PROBLEM_CODES), ...Object.keys(API_ERROR_CODES), ...Object.keys(CLUSTER_ERROR_CODES)];
    for (const code of all) expect(code).toMatch(/^[a-z]+(_[a-z0-9]+)*$/);
    // An HTTP code may name a thrown one (`invalid_path`); a cluster code is its own.
    for (const code of Object.keys(CLUSTER_ERROR_CODES)) expect(all.filter((c) => c === code)).toHaveLength(1);
  });

  it("gives thrown errors their code and class", () => {
    const err = new PathError("path `a/../b` has a `..` segment");
    expect(err).toBeInstanceOf(TreeRightsError);
    expect(err.code).toBe("invalid_path");
  });

  it("names the first problem and counts the rest in a load error", () => {
    const problem = { code: "unknown_key", severity: "error", file: "a/access.rights", line: 2, column: 1, message: "unknown key `Write`" } as const;
    const err = new LoadError([problem, { ...problem, line: 5 }]);
    expect(err.code).toBe("load_failed");
    expect(err.message).toBe("rights tree did not load: a/access.rights:2:1: error: unknown key `Write` [unknown_key] (and 1 more)");
    expect(formatProblem({ ...problem, file: "", line: 0, column: 0 })).toBe(".: error: unknown key `Write` [unknown_key]");
  });
});
