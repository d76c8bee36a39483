/** The CLI over `examples/tree`, as `examples/README.md` walks through it. */
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const TREE = fileURLToPath(new URL("../../examples/tree", import.meta.url));

describe("the CLI over examples/tree", () => {
  it("lints clean", async () => {
    const r = await runCli("lint", TREE);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^0 errors, 0 warnings in \d+ files\n$/);
  });

  it("walk-through 1: contractors may not WRITE a Lyon PLC script", async () => {
    const r = await runCli("explain", TREE, "--group", "contractors", "--access", "WRITE", "/sites/lyon/lines/line-1/scripts/restart-pump.js");
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("       override: `administrator`, `maintenance`\n");
    expect(r.stdout).toContain("+`maintenance` -`supervisor` -`team-lyon`\n");
    expect(r.stdout).toContain("why: none of your groups (`contractors`) holds WRITE here; holders: `administrator`, `maintenance`\n");
  });

  it("walk-through 2: supervisor may WRITE a Lyon line-1 value", async () => {
    const r = await runCli("check", TREE, "--group", "supervisor", "--access", "WRITE", "/sites/lyon/lines/line-1/values/temperature");
    expect(r).toEqual({ code: 0, stdout: "allowed\n", stderr: "" });
  });

  it("who may write Porto line-1 values", async () => {
    const r = await runCli("who", TREE, "--access", "WRITE", "/sites/porto/lines/line-1/values/pressures.json");
    expect(r.stdout).toBe("/ops/shift-a\nadministrator\nsupervisor\nteam-porto\n");
  });
});
