/** The exit codes each help text documents are those the code returns (`src/cli/exit-codes.ts`). */
import { describe, expect, it } from "vitest";
import * as EXIT from "../../src/cli/exit-codes.js";
import { runCli } from "./helpers.js";

/** Which codes each command may exit with; usage errors (2) apply to all. */
const BY_COMMAND: Readonly<Record<string, readonly number[]>> = {
  serve: [EXIT.EXIT_OK, EXIT.EXIT_SHUTDOWN_FAILED, EXIT.EXIT_ERROR],
  check: [EXIT.EXIT_OK, EXIT.EXIT_ERROR, EXIT.EXIT_DENIED],
  explain: [EXIT.EXIT_OK, EXIT.EXIT_ERROR, EXIT.EXIT_DENIED],
  who: [EXIT.EXIT_OK, EXIT.EXIT_ERROR],
  where: [EXIT.EXIT_OK, EXIT.EXIT_ERROR],
  lint: [EXIT.EXIT_OK, EXIT.EXIT_LINT_ERRORS, EXIT.EXIT_ERROR],
  diff: [EXIT.EXIT_OK, EXIT.EXIT_CHANGED, EXIT.EXIT_ERROR, EXIT.EXIT_RISKY],
  keys: [EXIT.EXIT_OK, EXIT.EXIT_ERROR],
  users: [EXIT.EXIT_OK, EXIT.EXIT_ERROR],
  config: [EXIT.EXIT_OK, EXIT.EXIT_ERROR],
};

/** The codes named after `Exit codes:` in a help text: each is a digit followed by what it means. */
function documentedCodes(help: string): number[] {
  const at = help.indexOf("Exit codes:");
  expect(at, "the help has an `Exit codes:` part").toBeGreaterThanOrEqual(0);
  const text = help.slice(at + "Exit codes:".length);
  return [...new Set([...text.matchAll(/(?:^|[\s,;(])(\d)(?= [a-z])/g)].map((m) => Number(m[1])))].sort();
}

describe("exit codes in the help", () => {
  it("the top-level help names every code of src/cli/exit-codes.ts, and no other", async () => {
    const r = await runCli("--help");
    const all = [...new Set(Object.values(EXIT))].sort();
    expect(documentedCodes(r.stdout)).toEqual(all);
  });

  it("every command is in the table", async () => {
    const r = await runCli("--help");
    const listed = [...r.stdout.matchAll(/^ {2}([a-z]+) /gm)].map((m) => m[1]).filter((c) => c !== "help");
    expect(listed.sort()).toEqual(Object.keys(BY_COMMAND).sort());
  });

  it.each(Object.entries(BY_COMMAND))("%s --help names exactly the codes it exits with", async (command, codes) => {
    const r = await runCli(command, "--help");
    expect(documentedCodes(r.stdout)).toEqual([...new Set(codes)].sort());
  });
});
