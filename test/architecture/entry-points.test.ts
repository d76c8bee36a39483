/**
 * What each entry point loads: `treerights` is the engine and the loader, and
 * never pulls in the HTTP service (fastify, prom-client, the cluster code).
 * Each import runs in a fresh process whose resolve hook records every module
 * loaded from a file.
 */
import { execFile } from "node:child_process";
import path from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");
const run = promisify(execFile);

// Registered before the entry is imported; prints each resolved file URL at exit.
const HOOK = `
import { register } from "node:module";
import { MessageChannel } from "node:worker_threads";
const { port1, port2 } = new MessageChannel();
const seen = new Set();
port1.on("message", (url) => { seen.add(url); });
port1.unref();
register("data:text/javascript," + encodeURIComponent(\`
  let port;
  export function initialize(data) { port = data.port; }
  export async function resolve(specifier, context, next) {
    const result = await next(specifier, context);
    if (result.url.startsWith("file:")) port.postMessage(result.url);
    return result;
  }\`), { data: { port: port2 }, transferList: [port2] });
process.on("exit", () => { process.stdout.write(JSON.stringify([...seen])); });
`;

/** The files a fresh process loads to import `entry` (a path below the repository). */
async function loadedBy(entry: string): Promise<string[]> {
  const script = `${HOOK}\nawait import(${JSON.stringify(path.join(ROOT, entry))});\n`;
  const { stdout } = await run(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { cwd: ROOT });
  return (JSON.parse(stdout) as string[]).map((url) => path.relative(ROOT, new URL(url).pathname));
}

const HTTP_SERVICE = /^(node_modules\/(fastify|@fastify\/[^/]+|prom-client|light-my-request|avvio|find-my-way|pino)\/|src\/server\/)/;

describe("entry points", () => {
  it("`treerights` loads the engine and the loader, never the HTTP service", async () => {
    const loaded = await loadedBy("src/index.ts");
    expect(loaded).toContain("src/loader/index.ts");
    expect(loaded.filter((file) => HTTP_SERVICE.test(file))).toEqual([]);
  });

  it("`treerights/engine` loads no dependency at all", async () => {
    const loaded = await loadedBy("src/engine/index.ts");
    expect(loaded.filter((file) => !file.startsWith("src/engine/"))).toEqual([]);
  });

  it("`treerights/server` loads fastify (the hook sees what it should)", async () => {
    const loaded = await loadedBy("src/server/index.ts");
    expect(loaded.some((file) => file.startsWith("node_modules/fastify/"))).toBe(true);
  });
});
