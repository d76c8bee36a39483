import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Access } from "../src/index.js";
import { lintTree, loadTree } from "../src/index.js";

interface ExpectedCase {
  readonly groups: string[];
  readonly access: Access;
  readonly path: string;
  readonly allowed: boolean;
  readonly effective: string[];
}

const tree = fileURLToPath(new URL("../examples/tree", import.meta.url));
const cases = JSON.parse(readFileSync(new URL("../examples/expected.json", import.meta.url), "utf8")) as ExpectedCase[];

describe("examples/tree", () => {
  it("lints without errors", async () => {
    const { problems, index } = await lintTree(tree);
    expect(problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(index?.fileCount).toBe(17);
  });

  it.each(cases.map((c) => [`${c.groups.join(",") || "(no groups)"} ${c.access} ${c.path}`, c] as const))(
    "answers the hand-computed case %s",
    async (_name, c) => {
      const index = await loadTree(tree);
      expect(index.check(c.groups, c.access, c.path)).toBe(c.allowed);
      expect(index.groupsFor(c.access, c.path)).toEqual(c.effective);
    },
  );

  it("covers every rights file with at least one case", async () => {
    const index = await loadTree(tree);
    const touched = new Set<string>();
    for (const c of cases) for (const step of index.explain(c.groups, c.access, c.path).steps) touched.add(step.file);
    expect([...touched].sort()).toEqual(index.files.map((f) => f.file).sort());
  });
});
