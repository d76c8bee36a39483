/** Small measurement helpers shared by every bench section. */
import { setImmediate as yieldToLoop } from "node:timers/promises";

/** Median and range of a set of samples. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly samples: readonly number[];
}

/** Median (mean of the middle two for an even count) and range. */
export function summarize(samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, samples: [] };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return { median, min: sorted[0] as number, max: sorted[n - 1] as number, samples: [...samples] };
}

/** Whether the process runs with `--expose-gc` (`npm run bench` does). */
export function canCollect(): boolean {
  return typeof globalThis.gc === "function";
}

/**
 * Full collections until the heap stops shrinking (at most five), with a turn
 * of the event loop in between so finalizers and weak callbacks run; a no-op
 * without `--expose-gc`.
 */
export async function collect(): Promise<void> {
  const gc = globalThis.gc;
  if (gc === undefined) return;
  let last = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 5; i++) {
    gc();
    await yieldToLoop();
    const used = process.memoryUsage().heapUsed;
    if (used >= last - 64 * 1024) break;
    last = used;
  }
}

/** Bytes to MiB. */
export function mib(bytes: number): number {
  return bytes / (1024 * 1024);
}

/** A number with thousands separators and `digits` decimals. */
export function fmt(n: number, digits = 0): string {
  if (!Number.isFinite(n)) return "n/a";
  return n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Resolves after `ms`, or rejects with `what timed out` when `promise` is slower. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => { reject(new Error(`${what} took over ${ms} ms`)); }, ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
