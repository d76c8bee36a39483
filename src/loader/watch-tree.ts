/** Watching a rights tree with chokidar, filtered down to the changes that can alter it. */
import path from "node:path";
import type { Stats } from "node:fs";
import { watch } from "chokidar";
import type { ChokidarOptions, FSWatcher } from "chokidar";
import { ignoreMatcher } from "./ignore.js";
import { RIGHTS_FILE } from "./read-tree.js";

/** Creates the chokidar watcher; tests swap it to inject failures. */
export type WatcherFactory = (root: string, options: ChokidarOptions) => FSWatcher;

/** What a `TreeWatcher` reports. */
export interface TreeWatchListener {
  /** A rights file or a directory was added, changed or removed (`file` is relative to the root). */
  change(file: string): void;
  /** The watcher can no longer see the tree: the root was removed, or chokidar failed (inotify limit, ...). */
  failed(error: Error): void;
}

/** Options of `watchTree`. */
export interface TreeWatchOptions {
  /** Extra micromatch globs (relative, `dot: true`) never watched. */
  readonly ignore?: readonly string[];
  readonly createWatcher?: WatcherFactory;
}

/** A running watcher over one tree. */
export interface TreeWatcher {
  /** Stops watching; idempotent. */
  close(): Promise<void>;
}

/**
 * True when a watcher event can change the rights tree: a file named exactly
 * `access.rights` added, changed or removed, or a directory added or removed
 * (it may hold rights files). Editor swap and backup files never count.
 */
export function isTreeChange(event: string, file: string): boolean {
  if (event === "addDir" || event === "unlinkDir") return true;
  const isRightsEvent = event === "add" || event === "change" || event === "unlink";
  return isRightsEvent && path.basename(file) === RIGHTS_FILE;
}

/**
 * The chokidar `ignored` test for a tree: what `readTree` skips (`.git`,
 * `node_modules`, the configured globs), plus every regular file that is not
 * a rights file, so large trees of other files cost no watches. The root is
 * never ignored. Throws `invalid_option` for bad globs.
 */
export function watchIgnore(root: string, ignore: readonly string[] = []): (file: string, stats?: Stats) => boolean {
  const skipped = ignoreMatcher(ignore);
  return (file, stats) => {
    const rel = path.relative(root, file).split(path.sep).join("/");
    if (rel === "") return false;
    if (skipped(rel, stats?.isDirectory() === true)) return true;
    return stats?.isFile() === true && path.basename(file) !== RIGHTS_FILE;
  };
}

/**
 * Watches `root` (absolute) and resolves once the initial scan is done, so no
 * change after that is missed. Symlinks are not followed. Every failure is
 * reported through `listener.failed`, at most once per watcher.
 */
export async function watchTree(root: string, listener: TreeWatchListener, options: TreeWatchOptions = {}): Promise<TreeWatcher> {
  const create = options.createWatcher ?? watch;
  const watcher = create(root, {
    ignoreInitial: true,
    followSymlinks: false,
    ignored: watchIgnore(root, options.ignore),
  });
  let failed = false;
  const fail = (error: Error): void => {
    if (failed) return;
    failed = true;
    listener.failed(error);
  };
  watcher.on("all", (event, file) => {
    if (failed) return;
    if (event === "unlinkDir" && path.resolve(file) === root) {
      fail(new Error(`root directory \`${root}\` was removed`));
      return;
    }
    if (isTreeChange(event, file)) listener.change(path.relative(root, file).split(path.sep).join("/"));
  });
  watcher.on("error", (error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    fail(new Error(`cannot watch \`${root}\`: ${reason}`, { cause: error }));
  });
  await new Promise<void>((resolve) => watcher.once("ready", resolve));
  let closing: Promise<void> | null = null;
  return {
    close: () => {
      failed = true;
      closing ??= watcher.close();
      return closing;
    },
  };
}
