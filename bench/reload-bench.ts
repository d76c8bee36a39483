/**
 * Hot reload: from renaming one rewritten `access.rights` over the old one
 * (how editors save) to checks on the live handle seeing the new rules.
 */
import { renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { setTimeout as sleep } from "node:timers/promises";
import type { RightsFile } from "../src/engine/index.js";
import type { OpenOptions, ReloadEvent, TreeHandle } from "../src/loader/index.js";
import { summarize, within } from "./stats.js";
import type { Summary } from "./stats.js";
import { mulberry32, rightsYaml } from "./workload.js";
import type { TreeSpec } from "./workload.js";

/** The loader entry point being measured. */
export type OpenTree = (dir: string, options?: OpenOptions) => Promise<TreeHandle>;

/** Limits of one reload run. */
export interface ReloadOptions {
  readonly samples: number;
  readonly debounceMs: number;
  /** Give up when opening (initial scan and load) takes longer. */
  readonly openTimeoutMs: number;
  /** Give up on a sample whose change is not visible by then. */
  readonly sampleTimeoutMs: number;
  readonly seed: number;
}

/** What the reload run measured. */
export interface ReloadResult {
  /** `openTree` with `watch: true`: watcher scan plus initial load, ms. */
  readonly openMs: number;
  /** Write (rename-over) to new revision visible, ms, per sample. */
  readonly visibleMs: Summary;
  /** The loader's own reload time (`ReloadEvent.durationMs`), ms. */
  readonly reloadMs: Summary;
  /** Longest event-loop stall seen during the samples, ms: how long a check could have waited. */
  readonly maxStallMs: number;
  /** Samples whose new rule a check on the handle confirmed. */
  readonly confirmed: number;
}

/**
 * Opens the tree watched, then `samples` times: writes a changed copy of one
 * rights file to a temporary name in the same directory (which must not
 * trigger a reload), renames it over `access.rights`, and waits for the
 * handle's revision to change; the new file grants WRITE to a group no other
 * file names, and a check confirms it. Samples are spaced well beyond the
 * debounce so each is its own reload. Mutates the tree on disk.
 */
export async function benchReload(openTree: OpenTree, root: string, spec: TreeSpec, options: ReloadOptions): Promise<ReloadResult> {
  const t0 = performance.now();
  const opening = openTree(root, { watch: true, debounceMs: options.debounceMs });
  let handle: TreeHandle;
  try {
    handle = await within(opening, options.openTimeoutMs, "openTree with watch");
  } catch (err) {
    // Close it whenever it does finish, so no watcher outlives the bench.
    opening.then((late) => late.close(), () => undefined).catch(() => undefined);
    throw err;
  }
  const openMs = performance.now() - t0;

  const rng = mulberry32(options.seed);
  const visible: number[] = [];
  const reloads: number[] = [];
  let confirmed = 0;
  const stalls = monitorEventLoopDelay({ resolution: 1 });
  try {
    await sleep(Math.max(200, options.debounceMs * 4));
    stalls.enable();
    for (let s = 0; s < options.samples; s++) {
      // Any file but the root's, so most of the tree keeps its answers.
      const f = 1 + Math.floor(rng() * (spec.files.length - 1));
      const file = spec.files[f] as RightsFile;
      const dir = spec.dirs[spec.fileDirs[f] as number] as string;
      const group = `bench-reload-${options.seed}-${s}`;
      const changed: RightsFile = { ...file, WRITE: { override: [group] } };
      const target = join(root, dir, "access.rights");
      const temp = join(root, dir, ".access.rights.swp");
      writeFileSync(temp, rightsYaml(changed));
      // Let the temporary file's own event pass, so only the rename is timed.
      await sleep(Math.max(20, options.debounceMs * 2));

      const before = handle.index.revision;
      const seen = waitForRevision(handle, before, options.sampleTimeoutMs);
      const start = performance.now();
      renameSync(temp, target);
      const event = await seen;
      visible.push(performance.now() - start);
      if (event !== null) reloads.push(event.durationMs);
      if (handle.index.check([group], "WRITE", `/${dir}`)) confirmed++;
      await sleep(Math.max(100, options.debounceMs * 3));
    }
  } finally {
    stalls.disable();
    await handle.close();
  }
  return {
    openMs,
    visibleMs: summarize(visible),
    reloadMs: summarize(reloads),
    maxStallMs: stalls.max / 1e6,
    confirmed,
  };
}

/**
 * Resolves at the first moment the handle answers with another revision: on
 * the `reload` event (emitted right after the swap), or by a poll every
 * `pollMs` in case a swap happens without one. Rejects after `timeoutMs`,
 * with the watcher's state and the last rejected reload, if any.
 */
export function waitForRevision(handle: TreeHandle, before: string, timeoutMs: number, pollMs = 2): Promise<ReloadEvent | null> {
  return new Promise((resolve, reject) => {
    const done = (event: ReloadEvent | null): void => {
      clearInterval(poll);
      clearTimeout(timer);
      handle.off("reload", onReload);
      resolve(event);
    };
    const onReload = (event: ReloadEvent): void => {
      if (event.index.revision !== before) done(event);
    };
    const poll = setInterval(() => {
      if (handle.index.revision !== before) done(null);
    }, pollMs);
    const timer = setTimeout(() => {
      clearInterval(poll);
      handle.off("reload", onReload);
      // Say why, when the handle knows: a watcher out of inotify watches (two big trees watched at once) or a rejected tree.
      const { watch, rejected } = handle.status;
      const why = [watch.state === "failed" ? `watch failed: ${watch.error ?? "unknown"}` : `watch ${watch.state}`,
        ...(rejected === null ? [] : [`last reload rejected: ${rejected.problems[0]?.message ?? "no problem listed"}`])];
      reject(new Error(`change not visible after ${timeoutMs} ms (${why.join("; ")})`));
    }, timeoutMs);
    handle.on("reload", onReload);
  });
}
