/**
 * `DurationHistogram`: a Prometheus histogram with one label, counted in
 * typed arrays on the request path and rendered as exposition text only when
 * scraped. prom-client's `observe` hashes the label set on every call
 * (~300 ns); this costs one short loop and two array writes. Snapshots of
 * same-shaped histograms (other cluster workers') render summed with it.
 */

/** A histogram of durations in seconds, one series per value of its label. */
export class DurationHistogram<L extends string> {
  readonly #name: string;
  readonly #help: string;
  readonly #label: string;
  readonly #values: readonly L[];
  readonly #bounds: Float64Array;
  // Per series: one count per bound and one for +Inf (not cumulative), then the sum and the count.
  readonly #cells: Float64Array;
  readonly #stride: number;

  /** `bounds` are the buckets' upper bounds in seconds, ascending. */
  constructor(options: { name: string; help: string; label: string; values: readonly L[]; bounds: readonly number[] }) {
    this.#name = options.name;
    this.#help = options.help;
    this.#label = options.label;
    this.#values = options.values;
    this.#bounds = Float64Array.from(options.bounds);
    this.#stride = this.#bounds.length + 3;
    this.#cells = new Float64Array(this.#stride * this.#values.length);
  }

  /** The series index of a label value, for `observe`. */
  series(value: L): number {
    const i = this.#values.indexOf(value);
    if (i === -1) throw new RangeError(`no series \`${value}\` in ${this.#name}`);
    return i;
  }

  /** Records one duration in the series numbered `series`. */
  observe(series: number, seconds: number): void {
    const bounds = this.#bounds;
    const n = bounds.length;
    const base = series * this.#stride;
    // Prometheus buckets are `le`: a value equal to a bound counts in that bound's bucket.
    let i = 0;
    while (i < n && seconds > (bounds[i] as number)) i++;
    const cells = this.#cells;
    cells[base + i] = (cells[base + i] as number) + 1;
    cells[base + n + 1] = (cells[base + n + 1] as number) + seconds;
    cells[base + n + 2] = (cells[base + n + 2] as number) + 1;
  }

  /** A copy of every count and sum, for `render` in another histogram of the same shape. */
  snapshot(): Float64Array {
    return this.#cells.slice();
  }

  /**
   * The Prometheus text exposition (0.0.4) of every series, zeros included;
   * with `others`, of the sum of this histogram and those snapshots. Throws
   * a `RangeError` for a snapshot of a histogram of another shape.
   */
  render(others: readonly Float64Array[] = []): string {
    const cells = this.#summed(others);
    const name = this.#name;
    const lines = [`# HELP ${name} ${this.#help}`, `# TYPE ${name} histogram`];
    const n = this.#bounds.length;
    this.#values.forEach((value, s) => {
      const label = `${this.#label}="${value}"`;
      const base = s * this.#stride;
      let cumulative = 0;
      for (let i = 0; i <= n; i++) {
        cumulative += cells[base + i] as number;
        const le = i < n ? String(this.#bounds[i]) : "+Inf";
        lines.push(`${name}_bucket{le="${le}",${label}} ${cumulative}`);
      }
      lines.push(`${name}_sum{${label}} ${String(cells[base + n + 1])}`);
      lines.push(`${name}_count{${label}} ${String(cells[base + n + 2])}`);
    });
    return `${lines.join("\n")}\n`;
  }

  #summed(others: readonly Float64Array[]): Float64Array {
    if (others.length === 0) return this.#cells;
    const sum = this.#cells.slice();
    for (const other of others) {
      if (other.length !== sum.length) throw new RangeError(`a snapshot of ${String(other.length)} cells does not fit ${this.#name} (${String(sum.length)} cells)`);
      for (let i = 0; i < sum.length; i++) sum[i] = (sum[i] as number) + (other[i] as number);
    }
    return sum;
  }
}
