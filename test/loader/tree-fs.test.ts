import { describe, expect, it } from "vitest";
import { TimeSlicer } from "../../src/loader/read/tree-fs.js";

describe("TimeSlicer", () => {
  it("is due before its first pause, so its work starts on a turn of its own", async () => {
    const slicer = new TimeSlicer(50);
    expect(slicer.due()).toBe(true);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    await slicer.pause();
    expect(turned).toBe(true);
    expect(slicer.due()).toBe(false);
  });

  it("is due again once its slice has run for the budget", async () => {
    const slicer = new TimeSlicer(5);
    await slicer.pause();
    const start = performance.now();
    while (performance.now() - start < 6) { /* spend the slice */ }
    expect(slicer.due()).toBe(true);
  });

  it("never pauses with an infinite budget", () => {
    expect(new TimeSlicer(Number.POSITIVE_INFINITY).due()).toBe(false);
  });
});
