/** Running async work over a growing queue with a bound on how much runs at once. */

/**
 * Calls `work` on every item of `queue`, at most `limit` at a time; `work`
 * may push more items onto the queue. Resolves when the queue is drained and
 * nothing runs; rejects on the first failure (work should catch what it expects).
 */
export function drain<T>(queue: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    let running = 0;
    let failed = false;
    const pump = (): void => {
      while (!failed && running < limit && queue.length > 0) {
        const item = queue.pop() as T;
        running++;
        work(item).then(
          () => {
            running--;
            pump();
          },
          (err: unknown) => {
            failed = true;
            reject(err instanceof Error ? err : new Error(String(err)));
          },
        );
      }
      if (!failed && running === 0 && queue.length === 0) resolve();
    };
    pump();
  });
}

/** `work` applied to every item, at most `limit` at a time, results in input order. */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  const indexes = items.map((_, i) => i).reverse();
  await drain(indexes, limit, async (i) => {
    results[i] = await work(items[i] as T);
  });
  return results;
}
