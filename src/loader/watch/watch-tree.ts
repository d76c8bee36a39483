/** Watching a rights tree with chokidar, filtered down to the changes that can alter it. */
import path from "node:path";
import type { Stats } from "node:fs";
import { watch } from "chokidar";
import type { ChokidarOptions, FSWatcher } from "chokidar";
import { CONFIG_FILE } from "../parse/config.js";
import { ignoreMatcher } from "../read/ignore.js";
import { RIGHTS_FILE } from "../read/read-tree.js";
import { isDirectory } from "../read/tree-fs.js";

/** A watcher event that can change the tree: where the next reload should look. */
export interface TreeChange {
  /** A rights file, a directory (its subtree may hold rights files), or the root's `treerights.yaml`. */
  readonly kind: "file" | "dir" | "config";
  /** Relative to the root, `/`-separated. */
  readonly path: string;
  /** The file or directory is gone (`unlink`, `unlinkDir`). */
  readonly removed: boolean;
}

/** Creates the chokidar watcher; tests swap it to inject failures. */
export type WatcherFactory = (root: string, options: ChokidarOptions) => FSWatcher;

/** What a `TreeWatcher` reports. */
export interface TreeWatchListener {
  /** A rights file, a directory or the configuration was added, changed or removed. */
  change(change: TreeChange): void;
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
  /**
   * Resolves once every change the watcher had seen when called has been
   * reported. A watcher in this thread reports as it sees, so at once; a
   * watch thread (`watchTreeInThread`) answers after its next turn, or is
   * given up on after `SYNC_TIMEOUT_MS`. Never rejects.
   */
  sync(): Promise<void>;
}

/**
 * The tree change a watcher event on `rel` (relative to the root,
 * `/`-separated) stands for, or null when it cannot change the rights tree:
 * a file named exactly `access.rights` added, changed or removed, a
 * directory added or removed (it may hold rights files), or the root's
 * `treerights.yaml`. Editor swap and backup files never count.
 */
export function treeChange(event: string, rel: string): TreeChange | null {
  if (event === "addDir" || event === "unlinkDir") return { kind: "dir", path: rel, removed: event === "unlinkDir" };
  if (event !== "add" && event !== "change" && event !== "unlink") return null;
  const removed = event === "unlink";
  if (rel === CONFIG_FILE) return { kind: "config", path: rel, removed };
  return rel.slice(rel.lastIndexOf("/") + 1) === RIGHTS_FILE ? { kind: "file", path: rel, removed } : null;
}

/**
 * The file a raw `fs.watch` event is about: the watched file itself (a
 * file's watch names its own file), or the entry `name` of the watched
 * directory; null when the event names nothing.
 */
export function rawEventFile(watchedPath: string, name: string): string | null {
  if (watchedPath === "" || name === "") return null;
  return path.basename(watchedPath) === name ? watchedPath : path.join(watchedPath, name);
}

/**
 * The chokidar `ignored` test for a tree: what `readTree` skips (`.git`,
 * `node_modules`, the configured globs), plus every regular file that is not
 * a rights file (or the root's `treerights.yaml`), so large trees of other
 * files cost no watches. The root is never ignored. Throws `invalid_option`
 * for bad globs.
 */
export function watchIgnore(root: string, ignore: readonly string[] = []): (file: string, stats?: Stats) => boolean {
  const skipped = ignoreMatcher(ignore);
  return (file, stats) => {
    const rel = path.relative(root, file).split(path.sep).join("/");
    if (rel === "") return false;
    if (skipped(rel, stats?.isDirectory() === true)) return true;
    return stats?.isFile() === true && path.basename(file) !== RIGHTS_FILE && rel !== CONFIG_FILE;
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
    // `atomic` would hold every unlink for 100 ms; a rename-over is a `change` anyway, and `PendingChanges` holds removed rights files itself.
    atomic: false,
    awaitWriteFinish: false,
    ignored: watchIgnore(root, options.ignore),
  });
  let failed = false;
  const fail = (error: Error): void => {
    if (failed) return;
    failed = true;
    listener.failed(error);
  };
  const rootRemoved = (): void => {
    fail(new Error(`root directory \`${root}\` was removed`));
  };
  // chokidar reports the root's own removal as an `unlinkDir`, but can miss it on a busy machine: look after
  // every removal below it (the supervisor looks besides, on a timer). One look at a time: a checkout removing a thousand files needs one stat, not a thousand.
  let looking = false;
  const lookForRoot = (): void => {
    if (failed || looking) return;
    looking = true;
    void isDirectory(root).then((there) => {
      looking = false;
      if (!there && !failed) rootRemoved();
    });
  };
  watcher.on("all", (event, file) => {
    if (failed) return;
    if (event === "unlinkDir" && path.resolve(file) === root) {
      rootRemoved();
      return;
    }
    if (event === "unlink" || event === "unlinkDir") lookForRoot();
    const change = treeChange(event, path.relative(root, file).split(path.sep).join("/"));
    if (change === null) return;
    listener.change(change);
  });
  // chokidar re-attaches a file's watch after a rename-over, and can miss a second one meanwhile; the
  // directory's own watch still sees the name change, so raw events are a second source (re-reads are idempotent).
  watcher.on("raw", (_event, name, details) => {
    if (failed) return;
    const watched = (details as { readonly watchedPath?: unknown } | undefined)?.watchedPath;
    const file = rawEventFile(typeof watched === "string" ? watched : "", name);
    const rel = file === null ? "" : path.relative(root, file);
    if (rel === "" || rel === ".." || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return;
    const change = treeChange("change", rel.split(path.sep).join("/"));
    if (change !== null) listener.change(change);
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
    sync: () => Promise.resolve(),
  };
}
