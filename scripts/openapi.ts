/**
 * Writes `docs/openapi.json`: the document `GET /openapi.json` serves, from a
 * server over `examples/tree` with the default options (`npm run openapi`).
 * `test/server/openapi.test.ts` fails when the committed file differs.
 */
import { writeFileSync } from "node:fs";
import { openTree } from "../src/index.js";
import { buildServer } from "../src/server/index.js";

const root = new URL("..", import.meta.url);
const tree = await openTree(new URL("examples/tree", root).pathname, { watch: false });
const app = await buildServer(tree, { logger: false, processMetrics: false });
try {
  const res = await app.inject({ method: "GET", url: "/openapi.json" });
  if (res.statusCode !== 200) throw new Error(`GET /openapi.json answered ${res.statusCode}: ${res.body}`);
  const file = new URL("docs/openapi.json", root);
  writeFileSync(file, `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`);
  console.log(`wrote ${file.pathname}`);
} finally {
  await app.close();
  await tree.close();
}
