/**
 * A hand-written SVG line chart with log-log axes: panels side by side, one
 * line with markers per series, decade grid lines, a legend per panel. Pure
 * (data in, text out) and dependency-free, so the benches can draw their own
 * figures into bench/*.svg.
 */

/** One point; points with a non-positive or non-finite coordinate are not drawn (log axes). */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** One line. */
export interface Series {
  readonly name: string;
  readonly points: readonly Point[];
  /** A CSS colour; by default one of a fixed palette, by position. */
  readonly color?: string;
  readonly dashed?: boolean;
}

/** One log-log plot. */
export interface Panel {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  /** Horizontal reference lines (a limit, a target), drawn grey and dashed. */
  readonly guides?: readonly { readonly y: number; readonly label: string }[];
}

/** Layout of the whole figure. */
export interface ChartOptions {
  readonly title: string;
  /** A line of small print under the panels (machine, date). */
  readonly note?: string;
  readonly panelWidth?: number;
  readonly panelHeight?: number;
}

// Colour-blind-safe (Okabe-Ito).
const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];

const MARGIN = { left: 64, right: 16, top: 28, bottom: 46 };
const LEGEND_LINE = 16;

/** `&`, `<`, `>` and quotes escaped for SVG text and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The powers of ten from the one at or below `min` to the one at or above `max` (both positive). */
export function decades(min: number, max: number): number[] {
  const lo = Math.floor(Math.log10(min) + 1e-9);
  const hi = Math.max(lo + 1, Math.ceil(Math.log10(max) - 1e-9));
  const out: number[] = [];
  for (let e = lo; e <= hi; e++) out.push(10 ** e);
  return out;
}

/** A tick label: `1`, `10`, `100`, `1k`, `10k`, `1M`, `1G`, `0.1`, `0.001`. */
export function tickLabel(value: number): string {
  const units: [number, string][] = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [size, suffix] of units) if (value >= size) return `${trim(value / size)}${suffix}`;
  return trim(value);
}

function trim(value: number): string {
  return String(Number(value.toPrecision(3)));
}

function drawable(p: Point): boolean {
  return Number.isFinite(p.x) && Number.isFinite(p.y) && p.x > 0 && p.y > 0;
}

/** A panel's axes: log10 scales from the data's decades onto pixel ranges. */
interface Scales {
  readonly xTicks: readonly number[];
  readonly yTicks: readonly number[];
  x(value: number): number;
  y(value: number): number;
}

function scales(panel: Panel, width: number, height: number): Scales {
  const points = panel.series.flatMap((s) => s.points.filter(drawable));
  const xs = points.map((p) => p.x);
  const ys = [...points.map((p) => p.y), ...(panel.guides ?? []).map((g) => g.y).filter((y) => Number.isFinite(y) && y > 0)];
  const xTicks = points.length === 0 ? [1, 10] : decades(Math.min(...xs), Math.max(...xs));
  const yTicks = points.length === 0 ? [1, 10] : decades(Math.min(...ys), Math.max(...ys));
  const log = (v: number): number => Math.log10(v);
  const span = (ticks: readonly number[]): [number, number] => [log(ticks[0] as number), log(ticks[ticks.length - 1] as number)];
  const [x0, x1] = span(xTicks);
  const [y0, y1] = span(yTicks);
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  return {
    xTicks,
    yTicks,
    x: (v) => MARGIN.left + ((log(v) - x0) / (x1 - x0)) * plotW,
    y: (v) => MARGIN.top + plotH - ((log(v) - y0) / (y1 - y0)) * plotH,
  };
}

const f = (n: number): string => (Math.round(n * 10) / 10).toString();

function renderPanel(panel: Panel, width: number, height: number, offsetX: number): string {
  const s = scales(panel, width, height);
  const left = MARGIN.left;
  const right = width - MARGIN.right;
  const top = MARGIN.top;
  const bottom = height - MARGIN.bottom;
  const parts: string[] = [`<g transform="translate(${offsetX},0)">`];
  parts.push(`<text x="${f((left + right) / 2)}" y="16" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`);
  for (const t of s.xTicks) {
    const x = f(s.x(t));
    parts.push(`<line x1="${x}" y1="${top}" x2="${x}" y2="${bottom}" stroke="#ddd"/>`);
    parts.push(`<text x="${x}" y="${bottom + 16}" text-anchor="middle">${tickLabel(t)}</text>`);
  }
  for (const t of s.yTicks) {
    const y = f(s.y(t));
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#ddd"/>`);
    parts.push(`<text x="${left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle">${tickLabel(t)}</text>`);
  }
  parts.push(`<rect x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#888"/>`);
  for (const g of panel.guides ?? []) {
    if (!(Number.isFinite(g.y) && g.y > 0)) continue;
    const y = f(s.y(g.y));
    parts.push(`<line x1="${left}" y1="${y}" x2="${right}" y2="${y}" stroke="#777" stroke-dasharray="2 3"/>`);
    parts.push(`<text x="${left + 4}" y="${f(s.y(g.y) - 4)}" fill="#555">${escapeXml(g.label)}</text>`);
  }
  parts.push(`<text x="${f((left + right) / 2)}" y="${height - 8}" text-anchor="middle">${escapeXml(panel.xLabel)}</text>`);
  parts.push(`<text transform="translate(14,${f((top + bottom) / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(panel.yLabel)}</text>`);
  panel.series.forEach((series, i) => {
    const color = escapeXml(series.color ?? (PALETTE[i % PALETTE.length] as string));
    const points = series.points.filter(drawable).sort((a, b) => a.x - b.x);
    const dash = series.dashed === true ? ` stroke-dasharray="5 4"` : "";
    if (points.length > 1) {
      const d = points.map((p, k) => `${k === 0 ? "M" : "L"}${f(s.x(p.x))} ${f(s.y(p.y))}`).join(" ");
      parts.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"${dash}><title>${escapeXml(series.name)}</title></path>`);
    }
    for (const p of points) {
      parts.push(`<circle cx="${f(s.x(p.x))}" cy="${f(s.y(p.y))}" r="3.5" fill="${color}"><title>${escapeXml(`${series.name}: ${tickLabel(p.x)}, ${trim(p.y)}`)}</title></circle>`);
    }
    // The legend sits under the panel, never over the data.
    const ly = height + 6 + i * LEGEND_LINE;
    parts.push(`<line x1="${left}" y1="${ly}" x2="${left + 22}" y2="${ly}" stroke="${color}" stroke-width="2"${dash}/>`);
    parts.push(`<text x="${left + 28}" y="${ly}" dominant-baseline="middle">${escapeXml(series.name)}</text>`);
  });
  parts.push("</g>");
  return parts.join("\n");
}

/** The whole figure: a title, the panels left to right, an optional note. */
export function svgChart(panels: readonly Panel[], options: ChartOptions): string {
  const width = options.panelWidth ?? 440;
  const height = options.panelHeight ?? 320;
  const titleHeight = 28;
  const legendHeight = Math.max(0, ...panels.map((p) => p.series.length)) * LEGEND_LINE + 4;
  const noteHeight = options.note === undefined ? 0 : 20;
  const total = width * Math.max(1, panels.length);
  const full = titleHeight + height + legendHeight + noteHeight;
  const body = panels.map((p, i) => renderPanel(p, width, height, i * width)).join("\n");
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${total}" height="${full}" viewBox="0 0 ${total} ${full}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${total / 2}" y="19" text-anchor="middle" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<g transform="translate(0,${titleHeight})">`,
    body,
    "</g>",
    options.note === undefined ? "" : `<text x="8" y="${full - 6}" fill="#555">${escapeXml(options.note)}</text>`,
    "</svg>",
    "",
  ].join("\n");
}
