/** `treerights serve` as a real process: listens, answers, shuts down on SIGTERM; a bad tree never listens. */
import type { ChildProcess, ChildProcessByStdio } from "node:child_process";
import type { Readable } from "node:stream";
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseWorkers } from "../../src/cli/commands/serve.js";
import { alive, fresh, until } from "../server/cluster-client.js";
import { BROKEN_TREE, removeTrees, runCli, VALID_TREE, writeTree } from "./helpers.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const MAIN = "src/cli/main.ts";

interface Spawned {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly output: { stdout: string; stderr: string };
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function spawnCli(args: readonly string[]): Spawned {
  const child = spawn(process.execPath, ["--import", "tsx", MAIN, ...args], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.setEncoding("utf8").on("data", (s: string) => (output.stdout += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (output.stderr += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on("exit", (code, signal) => {
      resolve({ code, signal });
    });
  });
  return { child, output, exited };
}

async function waitFor<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => setTimeout(() => { reject(new Error(`timed out waiting for ${what}`)); }, ms)),
  ]);
}

describe("treerights serve", () => {
  let tree: string;
  let broken: string;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    tree = await writeTree(VALID_TREE);
    broken = await writeTree(BROKEN_TREE);
  });
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  });
  afterAll(() => removeTrees([tree, broken]));

  it("prints its URL, answers /healthz on loopback, and exits 0 on SIGTERM", async () => {
    const s = spawnCli(["serve", tree, "--port", "0", "--log-level", "silent"]);
    children.push(s.child);
    const url = await waitFor(
      () => /http:\/\/127\.0\.0\.1:(\d+)/.exec(s.output.stdout)?.[0] ?? (s.child.exitCode === null ? undefined : "exited"),
      20_000,
      "the listening URL",
    );
    expect(url, s.output.stderr).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);

    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const check = await fetch(`${url}/v1/check?group=supervisor&access=WRITE&path=/plant/a`);
    expect(await check.json()).toMatchObject({ allowed: true });

    s.child.kill("SIGTERM");
    const { code, signal } = await withTimeout(s.exited, 5_000, "exit after SIGTERM");
    expect({ code, signal }).toEqual({ code: 0, signal: null });
  });

  it("exits 2 with every problem on stderr for a tree invalid at startup, never listening", async () => {
    const s = spawnCli(["serve", broken, "--port", "0"]);
    children.push(s.child);
    const { code } = await withTimeout(s.exited, 20_000, "exit on an invalid tree");
    expect(code).toBe(2);
    expect(s.output.stdout).not.toMatch(/http:\/\//);
    expect(s.output.stderr).toMatch(/^access\.rights:3:1: error: /m);
    expect(s.output.stderr).toMatch(/^plant\/access\.rights:\d+:\d+: error: /m);
    expect(s.output.stderr).toMatch(/^plant\/north\/access\.rights:\d+:\d+: error: /m);
  });

  it("--workers 2 serves from two processes on one port; SIGTERM stops them all and exits 0", async () => {
    const s = spawnCli(["serve", tree, "--port", "0", "--workers", "2", "--log-level", "silent"]);
    children.push(s.child);
    const url = await waitFor(
      () => /http:\/\/127\.0\.0\.1:\d+/.exec(s.output.stdout)?.[0] ?? (s.child.exitCode === null ? undefined : "exited"),
      30_000,
      "the listening URL",
    );
    expect(url, s.output.stderr).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
    expect(s.output.stdout).toContain(`on ${url} with 2 workers`);
    const pids = new Map<number, number>();
    await until(async () => {
      const { body } = await fresh(`${url}/v1/status`);
      expect(body.worker).toMatchObject({ count: 2 });
      pids.set(body.worker.id, body.worker.pid);
      return pids.size === 2 ? true : undefined;
    }, 10_000, "both workers");
    expect((await fresh(`${url}/v1/check?group=supervisor&access=WRITE&path=/plant/a`)).body).toMatchObject({ allowed: true });

    s.child.kill("SIGTERM");
    const { code, signal } = await withTimeout(s.exited, 15_000, "exit after SIGTERM");
    expect({ code, signal }, s.output.stderr).toEqual({ code: 0, signal: null });
    await until(() => ([...pids.values()].some(alive) ? undefined : true), 5_000, "every worker to be gone");
  });

  it("--workers 2 exits 2 with every problem on stderr for a tree invalid at startup", async () => {
    const s = spawnCli(["serve", broken, "--port", "0", "--workers", "2"]);
    children.push(s.child);
    const { code } = await withTimeout(s.exited, 30_000, "exit on an invalid tree");
    expect(code).toBe(2);
    expect(s.output.stdout).not.toMatch(/http:\/\//);
    expect(s.output.stderr).toMatch(/did not load \(\d+ errors\)/);
    expect(s.output.stderr).toMatch(/^access\.rights:3:1: error: /m);
    expect(s.output.stderr).toMatch(/^plant\/north\/access\.rights:\d+:\d+: error: /m);
  });

  it("exits 2 on a bad --workers", async () => {
    for (const workers of ["0", "65", "two", "1.5", "-1"]) {
      const r = await runCli("serve", tree, "--port", "0", "--workers", workers);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("workers must be an integer from 1 to 64, or `auto`");
    }
    expect(parseWorkers("auto")).toBeGreaterThanOrEqual(1);
    expect(parseWorkers("auto")).toBeLessThanOrEqual(64);
    expect(parseWorkers("64")).toBe(64);
  });

  it("in-process: a port in use names the address and suggests --port and --host (exit 2)", async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, "127.0.0.1", resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const r = await runCli("serve", tree, "--port", String(port), "--no-watch");
      expect(r).toEqual({
        code: 2,
        stdout: "",
        stderr: `error: address \`127.0.0.1:${String(port)}\` is already in use; choose another port with \`--port\` or another address with \`--host\`\n`,
      });
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it("in-process: an invalid tree returns 2 before listening", async () => {
    const r = await runCli("serve", broken, "--port", "0", "--no-watch");
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/did not load/);
  });
});
