/**
 * `warmReloadPaths`: the engine work of two reloads, done once on a freshly
 * loaded index and thrown away. V8 optimizes the engine's code during the
 * initial compile; a reload then takes paths that compile never took (an
 * update of a subtree, new root sets, grant counts over shared subtrees).
 * Their first use deoptimizes that code ("insufficient type feedback") and
 * runs it unoptimized: at 100,000 directories the first reload held the
 * event loop 6 ms where later ones hold it at most 4.5. Taking the paths
 * here moves that cost to the start.
 */
import type { RightsFile, RightsIndex } from "../engine/index.js";
import { TimeSlicer } from "./tree-fs.js";

/**
 * Runs, in `sliceMs` slices, what a reload of one file below the root and
 * one of the root's file would run on `index` (`updateSteps`, then
 * `grantCountsSinceSteps`), with the files as they are (the root's levels
 * swapped, so that its sets change), and drops the results: `index` and
 * everything reachable from it are left as they were.
 */
export async function warmReloadPaths(index: RightsIndex, sliceMs: number): Promise<void> {
  const files = index.files;
  const root = files.find((f) => f.dir === "" || f.dir === "/");
  if (root === undefined) return;
  const below = files.length > 1 ? files[files.length >> 1] : undefined;
  const { READ, WRITE, ...rest } = root;
  const edits: RightsFile[] = [{ ...rest, ...(WRITE === undefined ? {} : { READ: WRITE }), ...(READ === undefined ? {} : { WRITE: READ }) }];
  if (below !== undefined && below !== root) edits.push(below);
  const slicer = new TimeSlicer(sliceMs);
  for (const file of edits) {
    const next = await slicer.run(index.updateSteps({ upsert: [file] }, { revision: index.revision }));
    await slicer.run(next.grantCountsSinceSteps(index));
  }
}
