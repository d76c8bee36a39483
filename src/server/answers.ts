/**
 * `Answers`: the JSON text of decision answers, built once per index. A
 * check answer is one of two constant strings, and every other answer ends
 * with the same `,"revision":…,"commit":…}` tail, so no request escapes the
 * revision or the commit again.
 */
import type { RightsIndex } from "../engine/index.js";
import type { TreeHandle } from "../loader/index.js";

/** What every decision answer of one index carries. */
export interface Answers {
  readonly index: RightsIndex;
  /** The HEAD commit the index was loaded at; absent outside git. */
  readonly stamp: { readonly revision: string; readonly commit?: string };
  /** `{"allowed":true,"revision":…}` (with `"commit"` when known). */
  readonly allowed: string;
  /** `{"allowed":false,"revision":…}` (with `"commit"` when known). */
  readonly denied: string;
  /** `,"revision":…}` (with `"commit"` when known) in UTF-8: closes an object whose other fields are written. */
  readonly tail: Buffer;
}

/** The content type of every JSON answer, as fastify sets it for serialized objects. */
export const JSON_TYPE = "application/json; charset=utf-8";

/**
 * Hands out the `Answers` of the tree's current index, rebuilt only when the
 * index is swapped, or by `refresh` when the commit moved without a swap. The
 * commit is the one the tree reports (`status.commit`, the HEAD of the last
 * good load).
 */
export class AnswerCache {
  readonly #tree: TreeHandle;
  #current: Answers | null = null;

  constructor(tree: TreeHandle) {
    this.#tree = tree;
  }

  /**
   * The answers of the tree's current index: read `tree.index` once per
   * request through this, and answer only from the returned `index`.
   */
  current(): Answers {
    const index = this.#tree.index;
    const cached = this.#current;
    if (cached?.index === index) return cached;
    const answers = build(index, commitOf(this.#tree));
    this.#current = answers;
    return answers;
  }

  /**
   * Rebuilds the answers when the tree's commit moved while its index stayed:
   * a reload that finds the same rights (HEAD moved, the rights files did
   * not) updates `status.commit` without a swap and without an event. Reading
   * `status` builds an object, so this is for a timer, not for each request.
   */
  refresh(): void {
    const cached = this.#current;
    if (cached === null) return;
    let index: RightsIndex;
    let commit: string | null;
    try {
      index = this.#tree.index;
      commit = commitOf(this.#tree);
    } catch {
      // Not ready, or shutting down: the next request finds out.
      return;
    }
    if (index === cached.index && commit !== (cached.stamp.commit ?? null)) this.#current = build(index, commit);
  }
}

function commitOf(tree: TreeHandle): string | null {
  const commit = tree.status.commit;
  return typeof commit === "string" ? commit : null;
}

function build(index: RightsIndex, commit: string | null): Answers {
  const revision = index.revision;
  const tail = `,"revision":${JSON.stringify(revision)}${commit === null ? "" : `,"commit":${JSON.stringify(commit)}`}}`;
  return Object.freeze({
    index,
    stamp: Object.freeze(commit === null ? { revision } : { revision, commit }),
    allowed: `{"allowed":true${tail}`,
    denied: `{"allowed":false${tail}`,
    tail: Buffer.from(tail, "utf8"),
  });
}
