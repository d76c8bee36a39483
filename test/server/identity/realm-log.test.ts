/** A keys file that stops loading is logged (with its problems), and so is its recovery: never a silent refusal. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { openTree } from "../../../src/loader/index.js";
import { buildServer } from "../../../src/server/build-server.js";
import { loadServerConfig } from "../../../src/server/config/load-server-config.js";
import { until } from "../cluster-client.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

describe("realm log lines", () => {
  it("warn when a keys file stops loading, naming file and line, and say when it loads again", async () => {
    const dir = await mkdtemp(join(tmpdir(), "treerights-realm-log-"));
    dirs.push(dir);
    const keys = join(dir, "keys.yaml");
    await writeFile(keys, "keys: []\n");
    await writeFile(join(dir, "server.yaml"), "realms:\n  - name: machines\n    apiKeys: { file: keys.yaml }\n");
    const lines: Record<string, unknown>[] = [];
    const tree = await openTree("examples/tree", { watch: false });
    const app = await buildServer(tree, {
      processMetrics: false, identityPollMs: 50, serverConfig: await loadServerConfig(join(dir, "server.yaml")),
      logger: { level: "info", stream: { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>); } } },
    });
    try {
      await writeFile(keys, "keys:\n  - id: nope\n");
      const warned = await until(() => lines.find((l) => l["realm"] === "machines" && l["level"] === 40), 5000, "a warning");
      expect(String(warned["msg"])).toContain("cannot verify");
      expect(JSON.stringify(warned["problems"])).toContain(`${keys}:2:`);
      await writeFile(keys, "keys: []\n");
      const back = await until(() => lines.find((l) => l["realm"] === "machines" && l["msg"] === "realm reloaded"), 5000, "a recovery line");
      expect(back["revision"]).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await app.close();
      await tree.close();
    }
  });
});
