/**
 * Reload under load, over HTTP: while the tree on disk alternates between two
 * versions, concurrent checks on real sockets always get the answer of the
 * tree their `revision` names, never an answer of neither.
 */
import { afterEach, expect, test } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { Access, LevelRule, RightsFile } from "../../src/engine/index.js";
import { loadTree } from "../../src/loader/index.js";
import { serve } from "../../src/server/index.js";
import type { RunningServer } from "../../src/server/index.js";
import { treeDir, writeFiles } from "./tree-dir.js";

const DIRS = 8;
const SWAPS = 12;
const WORKERS = 8;

/** Version `v` (0 or 1): every directory's rules flip between versions, and the root's groups change. */
function version(v: 0 | 1): RightsFile[] {
  const files: RightsFile[] = [{ dir: "/", READ: { include: ["ops", v === 0 ? "eng" : "qa"] }, WRITE: { include: ["admin"] } }];
  for (let i = 0; i < DIRS; i++) {
    files.push((i + v) % 2 === 0
      ? { dir: `/d${i}`, READ: { exclude: ["ops"] } }
      : { dir: `/d${i}`, WRITE: { override: ["eng", "qa"] } });
  }
  return files;
}

function yaml(file: RightsFile): string {
  const level = (name: Access, rule: LevelRule | undefined): string =>
    rule === undefined ? "" : `${name}:\n${(["override", "include", "exclude"] as const).filter((k) => rule[k]).map((k) => `  ${k}: [${rule[k]!.join(", ")}]\n`).join("")}`;
  return level("READ", file.READ) + level("WRITE", file.WRITE);
}

function onDisk(files: readonly RightsFile[]): Record<string, string> {
  return Object.fromEntries(files.map((f) => [`${f.dir === "/" ? "" : `${f.dir.slice(1)}/`}access.rights`, yaml(f)]));
}

interface Query { readonly groups: readonly string[]; readonly access: Access; readonly path: string }
const QUERIES: Query[] = [];
for (let i = 0; i < DIRS; i++) {
  for (const groups of [["ops"], ["eng"], ["qa"], ["admin"], ["eng", "qa"], []]) {
    for (const access of ["READ", "WRITE"] as const) QUERIES.push({ groups, access, path: `/d${i}/leaf-${groups.length}` });
  }
}

const running: RunningServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.close()));
});

test("every answer matches the tree its revision names", async () => {
  const versions = [version(0), version(1)] as const;
  // Expected answers come from the engine; revisions from the loader reading each version on its own.
  const expected = new Map<string, boolean[]>();
  for (const files of versions) {
    const revision = (await loadTree(treeDir(onDisk(files)))).revision;
    const index = compile(files);
    expected.set(revision, QUERIES.map((q) => index.check(q.groups, q.access, q.path)));
  }
  const [answersA, answersB] = [...expected.values()];
  expect(expected.size).toBe(2);
  const differing = answersA!.filter((a, i) => a !== answersB![i]).length;
  expect(differing).toBeGreaterThan(QUERIES.length / 4);

  const dir = treeDir(onDisk(versions[0]));
  const server = await serve(dir, { port: 0, logger: false, processMetrics: false, debounceMs: 20 });
  running.push(server);
  const revisions = [...expected.keys()];
  expect(server.tree.index.revision).toBe(revisions[0]);

  let writing = true;
  const seen = new Map<string, number>();
  const wrong: string[] = [];
  const judge = (revision: string, i: number, allowed: boolean): void => {
    seen.set(revision, (seen.get(revision) ?? 0) + 1);
    const want = expected.get(revision)?.[i];
    if (want !== allowed) wrong.push(`${JSON.stringify(QUERIES[i])} → ${String(allowed)} at revision ${revision} (expected ${String(want)})`);
  };

  const worker = async (w: number): Promise<void> => {
    for (let n = 0; writing; n++) {
      const i = (w * 7919 + n * 31) % QUERIES.length;
      const q = QUERIES[i]!;
      if (n % 5 === 4) {
        const res = await fetch(`${server.url}/v1/check/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ checks: QUERIES }) });
        const body = await res.json() as { results: boolean[]; revision: string };
        body.results.forEach((allowed, k) => { judge(body.revision, k, allowed); });
      } else if (n % 5 === 3) {
        const params = new URLSearchParams([...q.groups.map((g): [string, string] => ["group", g]), ["access", q.access], ["path", q.path]]);
        const body = await (await fetch(`${server.url}/v1/check?${params.toString()}`)).json() as { allowed: boolean; revision: string };
        judge(body.revision, i, body.allowed);
      } else {
        const res = await fetch(`${server.url}/v1/check`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(q) });
        const body = await res.json() as { allowed: boolean; revision: string };
        judge(body.revision, i, body.allowed);
      }
    }
  };

  const writer = async (): Promise<void> => {
    try {
      for (let s = 1; s <= SWAPS; s++) {
        const v = (s % 2) as 0 | 1;
        const swapped = new Promise<void>((resolve) => {
          const onReload = (): void => {
            if (server.tree.index.revision === revisions[v]) {
              server.tree.off("reload", onReload);
              resolve();
            }
          };
          server.tree.on("reload", onReload);
        });
        writeFiles(dir, onDisk(versions[v]));
        await swapped;
        // Let answers from this revision pile up before the next swap.
        await new Promise((r) => setTimeout(r, 30));
      }
    } finally {
      writing = false;
    }
  };

  await Promise.all([writer(), ...Array.from({ length: WORKERS }, (_, w) => worker(w))]);
  expect(wrong.slice(0, 10)).toEqual([]);
  expect([...seen.keys()].sort()).toEqual([...revisions].sort());
  for (const count of seen.values()) expect(count).toBeGreaterThan(50);
  expect(server.tree.status.reloads).toBe(SWAPS);
}, 60_000);
