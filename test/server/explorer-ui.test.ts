/**
 * The explorer page at `/ui/` (`serve --ui`): served from a built directory
 * (a fixture here) with a strict CSP and the cache headers on every answer,
 * deep links answered with index.html, nothing outside the directory ever
 * served (`..`, encoded dots, a symbolic link out), off unless asked for, and
 * the CLI flag winning over the config's `ui`.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTree } from "../../src/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { IMMUTABLE, NO_CACHE, UI_CONTENT_SECURITY_POLICY } from "../../src/server/ui-routes.js";
import { get, serverOver } from "./helpers.js";

const EXAMPLES = new URL("../../examples/tree", import.meta.url).pathname;
const REPO = new URL("../../", import.meta.url).pathname;
const INDEX_HTML = "<!doctype html><title>treerights</title><script type=\"module\" src=\"/ui/assets/index-3f2a9c.js\"></script>";
const SCRIPT = "console.log('explorer')";
// The content of every file outside the page's directory (and of a dotfile inside it): never in an answer.
const LEAK = "LEAKED-7f3e91";

let tree: TreeHandle;
let base: string;
let uiDir: string;

beforeAll(async () => {
  tree = await openTree(EXAMPLES, { watch: false });
  base = mkdtempSync(path.join(tmpdir(), "treerights-ui-"));
  uiDir = path.join(base, "dist", "ui");
  mkdirSync(path.join(uiDir, "assets"), { recursive: true });
  writeFileSync(path.join(uiDir, "index.html"), INDEX_HTML);
  writeFileSync(path.join(uiDir, "assets", "index-3f2a9c.js"), SCRIPT);
  writeFileSync(path.join(uiDir, "assets", "index-77aa01.css"), "body{}");
  writeFileSync(path.join(uiDir, "favicon.svg"), "<svg/>");
  writeFileSync(path.join(uiDir, ".env"), `SECRET=${LEAK}`);
  // Outside the page's directory: never served, however it is asked for.
  writeFileSync(path.join(base, "secret.txt"), LEAK);
  writeFileSync(path.join(base, "dist", "package.json"), `{"leak":"${LEAK}"}`);
  symlinkSync(path.join(base, "secret.txt"), path.join(uiDir, "assets", "leak.js"));
  symlinkSync(path.join(base, "secret.txt"), path.join(uiDir, "leak.txt"));
  symlinkSync(base, path.join(uiDir, "outside"));
  // A link that stays inside is harmless.
  symlinkSync(path.join(uiDir, "assets", "index-77aa01.css"), path.join(uiDir, "assets", "alias.css"));
});
afterAll(async () => {
  await tree.close();
  rmSync(base, { recursive: true, force: true });
});

function expectUiHeaders(headers: Record<string, unknown>): void {
  expect(headers["content-security-policy"]).toBe(UI_CONTENT_SECURITY_POLICY);
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe("no-referrer");
}

describe("GET /ui/ with ui on", () => {
  it("serves index.html, not cached without revalidation, with the strict headers", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    for (const url of ["/ui/", "/ui/index.html"]) {
      const res = await get(app, url);
      expect(res.status, url).toBe(200);
      expect(res.text).toBe(INDEX_HTML);
      expect(String(res.headers["content-type"])).toMatch(/^text\/html/);
      expect(res.headers["cache-control"]).toBe(NO_CACHE);
      expectUiHeaders(res.headers);
    }
    expect(UI_CONTENT_SECURITY_POLICY).toBe("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
  });

  it("serves hashed assets with a year's immutable cache, other files revalidated", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    const script = await get(app, "/ui/assets/index-3f2a9c.js");
    expect(script.status).toBe(200);
    expect(script.text).toBe(SCRIPT);
    expect(String(script.headers["content-type"])).toMatch(/javascript/);
    expect(script.headers["cache-control"]).toBe(IMMUTABLE);
    expectUiHeaders(script.headers);
    const icon = await get(app, "/ui/favicon.svg");
    expect(icon.status).toBe(200);
    expect(icon.headers["cache-control"]).toBe(NO_CACHE);
    expectUiHeaders(icon.headers);
    // A link that stays inside the directory is followed.
    expect((await get(app, "/ui/assets/alias.css")).text).toBe("body{}");
  });

  it("answers deep links with index.html, and a missing asset with a 404 carrying the same headers", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    for (const url of ["/ui/tree/sites/lyon", "/ui/path?p=/sites&groups=user", "/ui/changes/", "/ui/assets", "/ui/a%2fb", "/ui/favicon.svg/"]) {
      const res = await get(app, url);
      expect(res.status, url).toBe(200);
      expect(res.text, url).toBe(INDEX_HTML);
      expect(res.headers["cache-control"], url).toBe(NO_CACHE);
      expectUiHeaders(res.headers);
    }
    for (const url of ["/ui/assets/index-000000.js", "/ui/assets/", "/ui/assets/sub/"]) {
      const missing = await get(app, url);
      expect(missing.status, url).toBe(404);
      expect(missing.body.error.code).toBe("not_found");
      expectUiHeaders(missing.headers);
    }
  });

  it("redirects /ui to /ui/, keeping the query", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    const res = await app.inject({ method: "GET", url: "/ui" });
    expect(res.statusCode).toBe(301);
    expect(res.headers.location).toBe("/ui/");
    expectUiHeaders(res.headers);
    expect((await app.inject({ method: "GET", url: "/ui?path=/sites" })).headers.location).toBe("/ui/?path=/sites");
  });

  it("answers HEAD like GET, without a body", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    const res = await app.inject({ method: "HEAD", url: "/ui/assets/index-3f2a9c.js" });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe("");
    expect(res.headers["cache-control"]).toBe(IMMUTABLE);
    expectUiHeaders(res.headers);
  });

  it("never serves a file outside the directory: dot segments, encoded dots and slashes, dotfiles, links out", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    const attempts = [
      "/ui/../package.json", "/ui/%2e%2e/package.json", "/ui/%2E%2E/%2e%2e/secret.txt", "/ui/..%2fpackage.json",
      "/ui/assets/..%2f..%2fpackage.json", "/ui/assets/%2e%2e/%2e%2e/package.json", "/ui/.env", "/ui/%2eenv",
      "/ui/assets/leak.js", "/ui/leak.txt", "/ui/outside/secret.txt", "/ui/outside/dist/package.json",
      "/ui/assets/..\\..\\package.json", "/ui/./index.html", "/ui//index.html",
    ];
    for (const url of attempts) {
      const res = await app.inject({ method: "GET", url });
      expect(res.body, url).not.toContain(LEAK);
      expect(res.statusCode, url).not.toBe(500);
    }
    // A link out is no file of the page: an asset is a 404, another name a deep link (the page, never the file).
    expect((await get(app, "/ui/assets/leak.js")).status).toBe(404);
    expect((await get(app, "/ui/leak.txt")).text).toBe(INDEX_HTML);
  });

  it("sends dot segments on a real socket unnormalized, and still serves nothing outside", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    for (const url of ["/ui/../dist/package.json", "/ui/%2e%2e/package.json", "/ui/outside/secret.txt"]) {
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: "127.0.0.1", port, path: url, method: "GET" }, (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => { resolve(text); });
        });
        req.on("error", reject);
        req.end();
      });
      expect(body, url).not.toContain(LEAK);
    }
  });

  it("is left out of the OpenAPI document", async () => {
    const app = await serverOver(tree, { ui: true, uiDir });
    const doc = (await get(app, "/openapi.json")).body as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).filter((p) => p.startsWith("/ui"))).toEqual([]);
  });

  it("refuses to start when the page is not built", async () => {
    await expect(serverOver(tree, { ui: true, uiDir: path.join(base, "nowhere") })).rejects.toThrow(/explorer page is not built/);
  });
});

describe("ui off", () => {
  it("is the default: /ui/ is a 404, whatever is built", async () => {
    const app = await serverOver(tree, { uiDir });
    for (const url of ["/ui", "/ui/", "/ui/index.html", "/ui/assets/index-3f2a9c.js"]) {
      const res = await get(app, url);
      expect(res.status, url).toBe(404);
      expect(res.body.error.code).toBe("not_found");
      expect(res.headers["content-security-policy"]).toBeUndefined();
    }
  });

  it("follows the config's `ui`, and the option given to the server wins over it", async () => {
    const config = { file: "", realms: [], api: {}, ui: true } as const;
    expect((await get(await serverOver(tree, { uiDir, serverConfig: config }), "/ui/")).status).toBe(200);
    expect((await get(await serverOver(tree, { uiDir, serverConfig: config, ui: false }), "/ui/")).status).toBe(404);
    expect((await get(await serverOver(tree, { uiDir, serverConfig: { ...config, ui: false }, ui: true }), "/ui/")).status).toBe(200);
  });
});

describe("treerights serve --ui / --no-ui against the config's `ui`", () => {
  let configDir: string;
  beforeAll(() => {
    configDir = mkdtempSync(path.join(tmpdir(), "treerights-ui-config-"));
    writeFileSync(path.join(configDir, "on.yaml"), `tree: ${JSON.stringify(EXAMPLES)}\nui: true\n`);
    writeFileSync(path.join(configDir, "off.yaml"), `tree: ${JSON.stringify(EXAMPLES)}\nui: false\n`);
  });
  afterAll(() => {
    rmSync(configDir, { recursive: true, force: true });
  });

  it("--no-ui wins over `ui: true`: no page", async () => {
    const cli = await startCli(["--config", path.join(configDir, "on.yaml"), "--no-ui"]);
    try {
      expect(cli.url, cli.output).toBeDefined();
      expect(cli.output).not.toMatch(/explorer/);
      expect((await fetch(`${cli.url!}/ui/`)).status).toBe(404);
    } finally {
      await cli.stop();
    }
  });

  it("--ui wins over `ui: false`: the page is served, or, in a checkout where it is not built, the server says so and exits 2", async () => {
    const cli = await startCli(["--config", path.join(configDir, "off.yaml"), "--ui"]);
    try {
      if (cli.url === undefined) {
        expect(cli.output).toMatch(/explorer page is not built/);
        expect(cli.code).toBe(2);
      } else {
        expect(cli.output).toMatch(/rights explorer at http:\/\/\S+\/ui\//);
        const res = await fetch(`${cli.url}/ui/`);
        expect(res.status).toBe(200);
        expect(res.headers.get("content-security-policy")).toBe(UI_CONTENT_SECURITY_POLICY);
      }
    } finally {
      await cli.stop();
    }
  });
});

/** `treerights serve …` as a real process on a free port: its URL once listening, or its exit code and output when it fails. */
async function startCli(args: readonly string[]): Promise<{ url?: string; code?: number | null; output: string; stop: () => Promise<void> }> {
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "serve", ...args, "--port", "0", "--no-watch", "--log-level", "silent"], {
    cwd: REPO, stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (s: string) => (output += s));
  child.stderr.setEncoding("utf8").on("data", (s: string) => (output += s));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => { resolve(code); }));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) child.kill("SIGTERM");
    await exited;
  };
  const deadline = Date.now() + 20_000;
  for (;;) {
    const url = /on (http:\/\/\S+)/.exec(output)?.[1];
    if (url !== undefined && (!args.includes("--ui") || /rights explorer/.test(output))) return { url, output, stop };
    if (child.exitCode !== null) return { code: child.exitCode, output, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`serve did not start: ${output}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}
