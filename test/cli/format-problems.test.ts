import { describe, expect, it } from "vitest";
import type { Problem } from "../../src/engine/index.js";
import { formatGithub, formatJson, formatText } from "../../src/cli/format-problems.js";

const problem = (p: Partial<Problem>): Problem => ({
  code: "unknown_key", severity: "error", file: "a/access.rights", line: 2, column: 3, message: "unknown key `Write`", ...p,
});

describe("lint output formats", () => {
  it("text: a line per problem and a counted summary", () => {
    expect(formatText([problem({}), problem({ severity: "warning", code: "empty_file", line: 0, column: 0, message: "empty" })], 14)).toEqual([
      "a/access.rights:2:3: error: unknown key `Write` [unknown_key]",
      "a/access.rights: warning: empty [empty_file]",
      "1 error, 1 warning in 14 files",
    ]);
    expect(formatText([], 1)).toEqual(["0 errors, 0 warnings in 1 file"]);
  });

  it("json: problems and counts", () => {
    expect(formatJson([problem({})], 2)).toEqual({ problems: [problem({})], errors: 1, warnings: 0, files: 2 });
  });

  it("github: joins the dir, omits an unknown place, escapes commands", () => {
    expect(formatGithub([problem({})], "rights")).toEqual([
      "::error file=rights/a/access.rights,line=2,col=3,title=unknown_key::unknown key `Write`",
    ]);
    expect(formatGithub([problem({ severity: "warning", line: 0, column: 0 })], "./rights/")).toEqual([
      "::warning file=rights/a/access.rights,title=unknown_key::unknown key `Write`",
    ]);
    expect(formatGithub([problem({ file: "a,b:c/access.rights", message: "100% bad\nreally" })], ".")).toEqual([
      "::error file=a%2Cb%3Ac/access.rights,line=2,col=3,title=unknown_key::100%25 bad%0Areally",
    ]);
    expect(formatGithub([problem({ file: "" , line: 0, column: 0 })], ".")).toEqual([
      "::error title=unknown_key::unknown key `Write`",
    ]);
  });
});
