/**
 * Work in steps: long engine operations (a rebuild after the root's file
 * changed, a compile) are generators that yield after a bounded amount of
 * work, so that a caller with an event loop can let other work run between
 * steps. The engine itself never waits; `runSteps` runs every step at once.
 */

/**
 * Work of one kind (directories visited, files placed, items sorted) between
 * two yields: small enough that a step stays under a millisecond even before
 * V8 has optimized the code (the first reloads after a start).
 */
export const STEP_SIZE = 64;

/** Directories passed over with no other work (collecting a subtree's files) between two yields. */
export const ENTRIES_PER_STEP = STEP_SIZE * 4;

/**
 * A computation in steps: each `next()` does at most a few `STEP_SIZE` units
 * of trie work (directories visited, files placed, items sorted), or
 * `ENTRIES_PER_STEP` directories walked over. Hashing every file when no
 * revision is given runs within one step (pass one, as the loader does, to
 * avoid that pass).
 */
export type Steps<T> = Generator<void, T, void>;

/** Runs `steps` to the end and returns their result. */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const step = steps.next();
    if (step.done === true) return step.value;
  }
}

/** A stable sort of a copy of `items` (bottom-up merge sort), yielding every `STEP_SIZE * 16` moves. */
export function* sortSteps<T>(items: Iterable<T>, compare: (a: T, b: T) => number): Steps<T[]> {
  let from = [...items];
  const n = from.length;
  let to = new Array<T>(n);
  let moves = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      for (let k = lo; k < hi; k++) {
        to[k] = j >= hi || (i < mid && compare(from[i] as T, from[j] as T) <= 0) ? (from[i++] as T) : (from[j++] as T);
        if (++moves === STEP_SIZE * 16) {
          moves = 0;
          yield;
        }
      }
    }
    [from, to] = [to, from];
  }
  return from;
}
