import { afterEach, describe, expect, it, vi } from "vitest";
import type { Access, RightsFile } from "../../src/engine/index.js";
import { openTree } from "../../src/loader/live/open-tree.js";
import type { TreeHandle } from "../../src/loader/types.js";
import { naiveCheck, naiveTree } from "../support/naive.js";
import { toYaml } from "../support/write-tree.js";
import { makeTree, removeTree, renameOver, WAIT } from "./open-tree-harness.js";

// Two trees that differ in the root file only: one rename-over flips the whole tree,
// so every state on disk is exactly one of them and any other answer is a torn read.
const fixed: RightsFile[] = [
  { dir: "plant", READ: { include: ["eng"] }, WRITE: { exclude: ["ops"] } },
  { dir: "plant/north", READ: { exclude: ["guest"] } },
  { dir: "plant/north/scripts", WRITE: { override: ["script-admins"] } },
  { dir: "site", READ: { include: ["site"] } },
];
const rootA: RightsFile = { dir: "", READ: { include: ["ops", "guest"] }, WRITE: { include: ["ops"] } };
const rootB: RightsFile = { dir: "", READ: { override: ["admins"] }, WRITE: { include: ["admins", "eng"] } };
const trees = { A: naiveTree([rootA, ...fixed]), B: naiveTree([rootB, ...fixed]) };

const groups = [["ops"], ["guest"], ["eng"], ["admins"], ["site", "guest"], ["script-admins"], []];
const paths = ["/", "/plant", "/plant/a", "/plant/north", "/plant/north/scripts/run.script", "/site/x", "/other"];
const queries = groups.flatMap((g) => paths.flatMap((p) => (["READ", "WRITE"] as Access[]).map((access) => ({ groups: g, access, path: p }))));

/** The answers a tree gives to every query, in order. */
function answersOf(tree: (typeof trees)["A"]): boolean[] {
  return queries.map((q) => naiveCheck(tree, q.groups, q.access, q.path));
}

let root = "";
let handle: TreeHandle | undefined;

afterEach(async () => {
  await handle?.close();
  handle = undefined;
  await removeTree(root);
});

describe("reload under load", () => {
  it("every check answers as the tree of the revision it used, while the tree flips", async () => {
    const expected = { A: answersOf(trees.A), B: answersOf(trees.B) };
    expect(expected.A).not.toEqual(expected.B);
    const files: Record<string, string> = { "access.rights": toYaml(rootA) };
    for (const f of fixed) files[`${f.dir}/access.rights`] = toYaml(f);
    root = await makeTree(files);
    handle = await openTree(root, { watch: true });
    const live = handle;

    const state = { stop: false };
    let rounds = 0;
    // revision → every distinct answer vector a check round got from an index of that revision
    const answers = new Map<string, Set<string>>();
    // The checker reads `handle.index` once per round, as a request would, and yields between rounds.
    const checker = (async () => {
      while (!state.stop && rounds < 200_000) {
        const index = live.index;
        const got = queries.map((q) => (index.check(q.groups, q.access, q.path) ? "1" : "0")).join("");
        const seen = answers.get(index.revision) ?? new Set<string>();
        answers.set(index.revision, seen.add(got));
        rounds++;
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();

    const byRevision = new Map<string, "A" | "B">([[live.index.revision, "A"]]);
    // Flip the tree back and forth, waiting each time for the swap (learning B's revision on the first).
    for (let flip = 1; flip <= 8; flip++) {
      const next = flip % 2 === 1 ? "B" : "A";
      const content = toYaml(next === "B" ? rootB : rootA);
      await renameOver(root, "access.rights", content);
      await vi.waitFor(() => {
        const revision = live.index.revision;
        if (!byRevision.has(revision)) byRevision.set(revision, next);
        expect(byRevision.get(revision)).toBe(next);
      }, WAIT);
    }
    state.stop = true;
    await checker;

    expect(byRevision.size).toBe(2);
    const vector = (name: "A" | "B") => expected[name].map((b) => (b ? "1" : "0")).join("");
    for (const [revision, seen] of answers) {
      const name = byRevision.get(revision);
      expect(name, `an index of unknown revision \`${revision}\` answered`).toBeDefined();
      expect([...seen]).toEqual([vector(name!)]);
    }
    expect(answers.size).toBe(2);
    expect(live.status).toMatchObject({ reloads: 8, rejectedReloads: 0 });
  });
});
