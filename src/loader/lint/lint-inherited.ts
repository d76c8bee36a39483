/**
 * What each rights file inherits, for the lint rules that compare a file's
 * keywords with it: the set its directory holds before its own file applies
 * (SPEC 1.2 and 1.3: the parent's effective set, then strict ancestors'
 * matching pattern rules).
 */
import type { Access, IndexedDirectory, RightsFile, RightsIndex } from "../../engine/index.js";
import { formatPath, normalizePath } from "../../engine/index.js";

/** The inherited sets of every file of an index, computed on demand. */
export class InheritedSets {
  readonly #index: RightsIndex;
  readonly #byPath = new Map<string, IndexedDirectory>();
  readonly #sets = new Map<string, ReadonlySet<string>>();
  /** Directories (as `/a/b`) whose file has pattern rules. */
  readonly #patternDirs = new Set<string>();

  constructor(index: RightsIndex) {
    this.#index = index;
    for (const dir of index.directories()) {
      this.#byPath.set(dir.path, dir);
      if ((dir.file?.patterns?.length ?? 0) > 0) this.#patternDirs.add(dir.path);
    }
  }

  /** True when some file has pattern rules. */
  get hasPatterns(): boolean {
    return this.#patternDirs.size > 0;
  }

  /** The effective set of `access` at the indexed directory `path` (`/a/b`), after its own file. */
  effective(path: string, access: Access): ReadonlySet<string> {
    const key = `${access}${path}`;
    let set = this.#sets.get(key);
    if (set === undefined) {
      const dir = this.#byPath.get(path);
      set = new Set(dir === undefined ? this.#index.groupsFor(access, path) : access === "READ" ? dir.read : dir.write);
      this.#sets.set(key, set);
    }
    return set;
  }

  /** The set of `access` that `file`'s directory holds before `file` applies. */
  inherited(file: RightsFile, access: Access): ReadonlySet<string> {
    const segments = normalizePath(file.dir);
    if (segments.length === 0) return new Set();
    if (!this.#ancestorHasPatterns(segments)) return this.effective(formatPath(segments.slice(0, -1)), access);
    // Ancestors' pattern rules may match this directory: explain's step for the file itself says what it started from.
    const steps = this.#index.explain([], access, formatPath(segments)).steps;
    return new Set(steps.at(-1)?.before ?? []);
  }

  /** The effective set of the parent directory of `path` (`/a/b`), or empty for the root. */
  parentEffective(path: string, access: Access): ReadonlySet<string> {
    const segments = normalizePath(path);
    return segments.length === 0 ? new Set() : this.effective(formatPath(segments.slice(0, -1)), access);
  }

  /** The directory record of an indexed directory. */
  directory(path: string): IndexedDirectory | undefined {
    return this.#byPath.get(path);
  }

  /** Every indexed directory, parents first. */
  directories(): Iterable<IndexedDirectory> {
    return this.#byPath.values();
  }

  #ancestorHasPatterns(segments: readonly string[]): boolean {
    if (this.#patternDirs.size === 0) return false;
    for (let depth = 0; depth < segments.length; depth++) {
      if (this.#patternDirs.has(formatPath(segments.slice(0, depth)))) return true;
    }
    return false;
  }
}
