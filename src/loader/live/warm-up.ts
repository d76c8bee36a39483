/**
 * `warmReloadPaths`: the engine work of a few reloads (a root-file and a
 * one-file edit, twice), done on a freshly loaded index and thrown away. V8 optimizes the engine's code during the
 * initial compile; a reload then takes paths that compile never took (an
 * update of a subtree, new root sets, grant counts over shared subtrees).
 * Their first use deoptimizes that code ("insufficient type feedback") and
 * runs it unoptimized: at 100,000 directories the first reload held the
 * event loop 6 ms where later ones hold it at most 4.5. Taking the paths
 * here moves that cost to the start.
 */
import type { RightsFile, RightsIndex } from "../../engine/index.js";
import { TimeSlicer } from "../read/tree-fs.js";

/** Rounds of the warm-up: V8 optimizes a function once it is hot, and may deoptimize it on its next call with new objects; the second round settles that at start too. */
const ROUNDS = 2;

/**
 * Runs, in `sliceMs` slices, what a reload of one file below the root and
 * one of the root's file would run on `index` (`updateSteps`, then
 * `grantCountsSinceSteps`), `ROUNDS` times, with the files' levels swapped
 * (so that their sets change, as an edit's do), and drops the results:
 * `index` and everything reachable from it are left as they were.
 */
export async function warmReloadPaths(index: RightsIndex, sliceMs: number): Promise<void> {
  const files = index.files;
  const root = files.find((f) => f.dir === "" || f.dir === "/");
  if (root === undefined) return;
  // One with an `override` if there is one: its transfer then replaces its parent's sets, the path a one-file edit takes most.
  const below = files.find((f) => f !== root && (f.READ?.override !== undefined || f.WRITE?.override !== undefined)) ?? files.find((f) => f !== root);
  const edits: RightsFile[] = [levelsSwapped(root)];
  if (below !== undefined) edits.push(levelsSwapped(below));
  const slicer = new TimeSlicer(sliceMs);
  for (let round = 0; round < ROUNDS; round++) {
    for (const file of edits) {
      const next = await slicer.run(index.updateSteps({ upsert: [file] }, { revision: index.revision }));
      await slicer.run(next.grantCountsSinceSteps(index));
    }
  }
}

/** The file with its `READ` and `WRITE` rules trading places. */
function levelsSwapped(file: RightsFile): RightsFile {
  const { READ, WRITE, ...rest } = file;
  return { ...rest, ...(WRITE === undefined ? {} : { READ: WRITE }), ...(READ === undefined ? {} : { WRITE: READ }) };
}
