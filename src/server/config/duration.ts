/** `parseDuration`: the durations of the server config (`30s`, `15m`, `1h`, `1d`, `500ms`, or a number of seconds) in ms. */

const UNIT_MS: Readonly<Record<string, number>> = Object.freeze({ ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 });

/** The duration in ms; null when `value` is not one (the schema has already refused it). */
export function parseDuration(value: unknown): number | null {
  if (typeof value === "number") return Number.isSafeInteger(value) && value >= 0 ? value * 1000 : null;
  if (typeof value !== "string") return null;
  const match = /^([0-9]{1,9})(ms|s|m|h|d)$/.exec(value);
  if (match === null) return null;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ""] ?? Number.NaN);
}

/** `3600000` → `1h`: the largest whole unit, for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ["d", "h", "m", "s"] as const) {
    const size = UNIT_MS[unit] ?? 1;
    if (ms >= size && ms % size === 0) return `${String(ms / size)}${unit}`;
  }
  return `${String(ms)}ms`;
}
