/** The bench's hand-written SVG chart: log scales, labels, escaping, and what is left out. */
import { describe, expect, it } from "vitest";
import { decades, escapeXml, svgChart, tickLabel } from "../../bench/svg-chart.js";

describe("decades", () => {
  it("covers the data with whole powers of ten", () => {
    expect(decades(1_000, 1_000_000)).toEqual([1e3, 1e4, 1e5, 1e6]);
    expect(decades(35, 4_200)).toEqual([10, 100, 1_000, 10_000]);
    expect(decades(0.02, 0.5)).toEqual([0.01, 0.1, 1]);
  });

  it("spans at least one decade", () => {
    expect(decades(5, 5)).toEqual([1, 10]);
    expect(decades(100, 100)).toEqual([100, 1_000]);
  });
});

describe("tickLabel", () => {
  it("abbreviates thousands, millions and billions", () => {
    expect([1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e9, 0.1, 0.001].map(tickLabel)).toEqual(["1", "10", "100", "1k", "10k", "100k", "1M", "1G", "0.1", "0.001"]);
  });
});

describe("svgChart", () => {
  const chart = svgChart(
    [{
      title: "checks/s <& more>",
      xLabel: "directories",
      yLabel: "decisions/s",
      series: [
        { name: "treerights", points: [{ x: 1e3, y: 1e6 }, { x: 1e4, y: 8e5 }, { x: 1e5, y: 5e5 }] },
        { name: "casbin \"rbac\"", points: [{ x: 1e3, y: 300 }, { x: 1e4, y: 0 }, { x: 1e5, y: Number.NaN }], dashed: true },
      ],
    }],
    { title: "scaling", note: "2 CPUs" },
  );

  it("is one SVG document with escaped text", () => {
    expect(chart.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\"")).toBe(true);
    expect(chart.trimEnd().endsWith("</svg>")).toBe(true);
    expect(chart).toContain("checks/s &#60;&#38; more&#62;");
    expect(chart).toContain("casbin &#34;rbac&#34;");
    expect(chart).not.toContain("NaN");
  });

  it("draws a line only through drawable points, and a marker for each", () => {
    expect(chart.match(/<path /g)).toHaveLength(1);
    expect(chart.match(/<circle /g)).toHaveLength(4);
    expect(chart).toContain("stroke-dasharray");
  });

  it("puts larger values further right and higher up", () => {
    const circles = [...chart.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
    const [a, b, c] = circles;
    expect(a![0]).toBeLessThan(b![0]);
    expect(b![0]).toBeLessThan(c![0]);
    expect(a![1]).toBeLessThan(c![1]);
  });
});

describe("escapeXml", () => {
  it("escapes markup and quotes", () => {
    expect(escapeXml(`<a href="x">&'`)).toBe("&#60;a href=&#34;x&#34;&#62;&#38;&#39;");
  });
});

describe("guides", () => {
  it("widen the axis to include them and are labelled", () => {
    const chart = svgChart([{ title: "t", xLabel: "x", yLabel: "y", series: [{ name: "s", points: [{ x: 10, y: 500 }, { x: 100, y: 900 }] }], guides: [{ y: 1, label: "limit" }] }], { title: "g" });
    expect(chart).toContain(">limit</text>");
    // Decades 1 … 1k on the y axis: the guide at 1 is inside the plot.
    expect(chart).toContain(">1k</text>");
    expect(chart).toMatch(/>1<\/text>/);
  });
});
