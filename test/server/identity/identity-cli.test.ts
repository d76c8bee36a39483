/**
 * The server config from the command line (issue 14): `config check` on the
 * shipped example and on broken configs (file:line:column, exit 2), `lint
 * --config` warning on groups the tree does not know, and `serve --config`
 * where a `--port` flag wins over the file's port.
 */
import type { ChildProcessByStdio } from "node:child_process";
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import type { AddressInfo, Server } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../cli/helpers.js";
import { fresh } from "../cluster-client.js";
import { TREE } from "./fixtures/identity-env.js";

const REPO = fileURLToPath(new URL("../../../", import.meta.url));
const EXAMPLE = join(REPO, "examples/server/treerights.server.yaml");

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "treerights-identity-cli-"));
  for (const [name, content] of Object.entries(TREE)) {
    const target = join(dir, "tree", name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, content);
  }
  await writeFile(join(dir, "keys.yaml"), "keys: []\n");
  await writeFile(join(dir, "users.yaml"), "users: {}\n");
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function config(name: string, text: string): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, text);
  return file;
}

describe("treerights config check", () => {
  it("accepts examples/server/treerights.server.yaml (exit 0)", async () => {
    const r = await runCli("config", "check", EXAMPLE);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("ok (2 realms)");
  });

  it("reports each problem of a broken config at file:line:column and exits 2", async () => {
    const cases: [string, string, RegExp][] = [
      ["unknown.yaml", "tree: ./tree\nrealm: []\n", /unknown\.yaml:2:1: error: unknown key `realm`.*did you mean `realms`/],
      ["two-kinds.yaml", "realms:\n  - name: both\n    apiKeys: { file: keys.yaml }\n    basic: { file: users.yaml }\n", /two-kinds\.yaml:2:5: error: realm `both` has `apiKeys` and `basic`/],
      ["no-key.yaml", "tokens: { issuer: treerights, keys: [{ kid: k1, file: missing.pem }] }\n", /no-key\.yaml:1:\d+: error: key `k1`: cannot read .*missing\.pem/],
    ];
    for (const [name, text, expected] of cases) {
      const r = await runCli("config", "check", await config(name, text));
      expect(r.code, name).toBe(2);
      expect(r.stderr, name).toMatch(expected);
      expect(r.stdout, name).toBe("");
    }
  });
});

describe("treerights lint --config", () => {
  it("warns unknown_group for a realm map target and an api group that treerights.yaml lacks, not for known ones", async () => {
    const file = await config("lint.yaml", [
      "tree: ./tree",
      "realms:",
      "  - name: machines",
      "    apiKeys: { file: keys.yaml }",
      "    map: { /corp/ops: ops, /corp/ghosts: ghost-group }",
      "api: { decisions: { groups: [services, nobody-knows] }, admin: { groups: [admins] } }",
      "",
    ].join("\n"));
    const r = await runCli("lint", "--config", file);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).toMatch(/lint\.yaml:5:\d+: warning: realm `machines` maps `\/corp\/ghosts` to `ghost-group`.*\[unknown_group\]/);
    expect(out).toMatch(/lint\.yaml:6:\d+: warning: `api\.decisions` names group `nobody-knows`.*\[unknown_group\]/);
    expect(out.match(/unknown_group/g)).toHaveLength(2);
    expect(out).not.toMatch(/`ops`|`services`|`admins`.*unknown_group/);
  });
});

describe("treerights serve --config", () => {
  const children: ChildProcessByStdio<null, Readable, Readable>[] = [];
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    // A port this test holds: a server listening on the file's port would fail to start.
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as AddressInfo).port;
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => { resolve(); })));

  function spawnCli(args: readonly string[]): { output: { stdout: string; stderr: string }; child: ChildProcessByStdio<null, Readable, Readable>; exited: Promise<number | null> } {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    const output = { stdout: "", stderr: "" };
    child.stdout.setEncoding("utf8").on("data", (s: string) => (output.stdout += s));
    child.stderr.setEncoding("utf8").on("data", (s: string) => (output.stderr += s));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => { resolve(code); }));
    return { output, child, exited };
  }

  async function waitFor<T>(probe: () => T | undefined, ms: number, what: string): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  it("reads the port from the file (taken: exit 2 naming it), and --port on the command line wins over it", async () => {
    const file = await config("serve.yaml", `tree: ./tree\nlisten: { host: 127.0.0.1, port: ${String(port)} }\nlogLevel: silent\nrealms:\n  - name: machines\n    apiKeys: { file: keys.yaml }\napi: { admin: { groups: [admins] } }\n`);
    // In-process: a start that fails returns (one that succeeds would keep serving).
    const fromFile = await runCli("serve", "--config", file);
    expect(fromFile.code, fromFile.stderr).toBe(2);
    expect(fromFile.stderr).toContain(`127.0.0.1:${String(port)}`);
    expect(fromFile.stderr).toMatch(/already in use/);

    const flagged = spawnCli(["serve", "--config", file, "--port", "0"]);
    const url = await waitFor(() => /http:\/\/127\.0\.0\.1:(\d+)/.exec(flagged.output.stdout)?.[0] ?? (flagged.child.exitCode === null ? undefined : "exited"), 20_000, "the listening URL");
    expect(url, flagged.output.stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(url).not.toBe(`http://127.0.0.1:${String(port)}`);
    // The file's realms and api are in force: /v1/status needs a credential, /v1/check does not.
    expect((await fresh(`${url}/v1/status`)).status).toBe(401);
    expect((await fresh(`${url}/v1/check?group=readers&access=READ&path=/x`)).body).toMatchObject({ allowed: true });
    flagged.child.kill("SIGTERM");
    expect(await flagged.exited).toBe(0);
  });
});
