import { describe, expect, it } from "vitest";
import { runCli } from "./helpers.js";

const COMMANDS: Readonly<Record<string, readonly string[]>> = {
  serve: ["--host <host>", "--port <port>", "--no-watch", "--ignore <glob>", "--log-level <level>", "--workers <n>"],
  check: ["--group <group>", "--access <level>", "--json", "--ignore <glob>"],
  explain: ["--group <group>", "--access <level>", "--json", "--ignore <glob>"],
  who: ["--access <level>", "--json", "--ignore <glob>"],
  lint: ["--format <format>", "--ignore <glob>"],
};

describe("treerights usage", () => {
  it.each(Object.entries(COMMANDS))("%s --help exits 0 and lists its options", async (command, options) => {
    const r = await runCli(command, "--help");
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`Usage: treerights ${command} [options]`);
    for (const option of options) expect(r.stdout).toContain(option);
    expect(r.stdout).toContain("-h, --help");
  });

  it("--help lists every command and the exit codes", async () => {
    const r = await runCli("--help");
    expect(r.code).toBe(0);
    for (const command of Object.keys(COMMANDS)) expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(r.stdout).toContain("Exit codes:");
  });

  it("help <command> works too", async () => {
    const r = await runCli("help", "check");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: treerights check");
  });

  it("--version prints the package version", async () => {
    const r = await runCli("--version");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\.\d+\.\d+\S*\n$/);
  });

  it("exits 2 with commander's message on an unknown option", async () => {
    const r = await runCli("check", ".", "--group", "g", "--access", "READ", "a", "--bogus");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown option '--bogus'");
    expect(r.stdout).toBe("");
  });

  it("exits 2 on an unknown command", async () => {
    const r = await runCli("chek");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error: unknown command 'chek'");
    expect(r.stderr).toContain("(Did you mean check?)");
  });

  it("exits 2 with usage when no command is given", async () => {
    const r = await runCli();
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Usage: treerights");
  });

  it("exits 2 on a missing argument", async () => {
    const r = await runCli("diff");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument");
  });

  it("exits 2 on a bad port", async () => {
    for (const port of ["http", "65536", "-1", "1.5"]) {
      const r = await runCli("serve", ".", "--port", port);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("port must be an integer from 0 to 65535");
    }
  });
});
