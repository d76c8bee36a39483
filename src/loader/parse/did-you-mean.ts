/** Near-miss hints for unknown keys: `Write` → `WRITE`, `overide` → `override`. */

/** The furthest (in edits, ignoring case) a key may be from a known one to be suggested. */
export const MAX_HINT_DISTANCE = 2;

/**
 * The known word `input` most likely meant: equal ignoring case, else the
 * closest within `MAX_HINT_DISTANCE` edits (ignoring case), else `undefined`.
 * Ties go to the word listed first.
 */
export function didYouMean(input: string, known: readonly string[]): string | undefined {
  const folded = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = MAX_HINT_DISTANCE + 1;
  for (const word of known) {
    const distance = editDistance(folded, word.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = word;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent swaps, so
 * `Wirte` is one edit from `Write`). Returns `limit` or more as soon as the
 * distance is known to reach `limit`.
 */
export function editDistance(a: string, b: string, limit = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  // Three rolling rows: two back for transpositions, one back, current.
  let twoBack: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let d = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d = Math.min(d, (twoBack[j - 2] ?? 0) + 1);
      }
      current.push(d);
      rowMin = Math.min(rowMin, d);
    }
    if (rowMin >= limit) return limit;
    twoBack = previous;
    previous = current;
  }
  return Math.min(previous[b.length] ?? 0, limit);
}
