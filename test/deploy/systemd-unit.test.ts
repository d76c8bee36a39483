/**
 * `examples/systemd/treerights.service`: the hardening it promises, a command
 * line the CLI accepts, and (where the machine has it) `systemd-analyze
 * verify`; and the README's warning that the API must not be exposed as is.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli } from "../cli/helpers.js";

const UNIT = readFileSync(new URL("../../examples/systemd/treerights.service", import.meta.url), "utf8");
const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const run = promisify(execFile);

/** Every `Key=value` of the unit (a key may repeat), comments left out. */
function directives(unit: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of unit.split("\n")) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match === null) continue;
    found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

async function systemdAnalyze(): Promise<boolean> {
  try {
    await run("systemd-analyze", ["--version"]);
    return true;
  } catch {
    return false;
  }
}

describe("examples/systemd/treerights.service", () => {
  const unit = directives(UNIT);
  const one = (key: string): string | undefined => unit.get(key)?.[0];

  it("runs as its own user, restarts on failure and stops on SIGTERM", () => {
    expect(one("User")).toBe("treerights");
    expect(one("Group")).toBe("treerights");
    expect(one("Restart")).toBe("on-failure");
    expect(one("KillSignal")).toBe("SIGTERM");
    // Longer than the server's own 10 s shutdown timeout, so that it exits by itself.
    expect(Number(one("TimeoutStopSec"))).toBeGreaterThan(10);
  });

  it("is hardened: read-only system and tree, no privileges, loopback only", () => {
    for (const [key, value] of Object.entries({
      ProtectSystem: "strict", ProtectHome: "yes", PrivateTmp: "yes", PrivateDevices: "yes", NoNewPrivileges: "yes",
      CapabilityBoundingSet: "", RestrictSUIDSGID: "yes", SystemCallFilter: "@system-service", IPAddressDeny: "any", IPAddressAllow: "localhost",
    })) expect(one(key), key).toBe(value);
    const execStart = one("ExecStart")!.split(/\s+/);
    const tree = execStart[execStart.length - 1]!;
    expect(one("ReadOnlyPaths")).toBe(tree);
    expect(execStart[execStart.indexOf("--host") + 1]).toBe("127.0.0.1");
  });

  it("starts the server with options `serve` has", async () => {
    const help = await runCli("serve", "--help");
    const options = one("ExecStart")!.split(/\s+/).filter((arg) => arg.startsWith("--"));
    expect(options.length).toBeGreaterThan(0);
    for (const option of options) expect(help.stdout, option).toContain(option);
  });

  it("passes systemd-analyze verify (with the command pointed at an executable that exists here)", async (context) => {
    if (!(await systemdAnalyze())) context.skip();
    const dir = mkdtempSync(path.join(tmpdir(), "treerights-unit-"));
    try {
      const file = path.join(dir, "treerights.service");
      writeFileSync(file, UNIT.replace(/^ExecStart=\S+/m, `ExecStart=${process.execPath}`));
      const { stderr } = await run("systemd-analyze", ["verify", file]);
      expect(stderr).toBe("");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("README: running it for real", () => {
  it("says the API must stay on loopback or behind authentication, and shows a proxy that authenticates", () => {
    expect(README).toContain("examples/systemd/treerights.service");
    expect(README).toMatch(/must\s+stay\s+on\s+loopback\s+or\s+behind\s+authentication/);
    expect(README).toMatch(/auth_basic_user_file/);
    expect(README).toMatch(/proxy_pass http:\/\/127\.0\.0\.1:8080/);
  });
});
