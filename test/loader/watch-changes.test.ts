import { describe, expect, it } from "vitest";
import { PendingChanges, UNLINK_HOLD_MS } from "../../src/loader/live/watch-changes.js";

describe("PendingChanges", () => {
  it("has no work until a change arrives, and starts over after take()", () => {
    const pending = new PendingChanges();
    expect(pending.take()).toEqual({ kind: "none" });
    pending.add({ kind: "file", path: "plant/access.rights", removed: false });
    pending.add({ kind: "dir", path: "site/new", removed: false });
    pending.add({ kind: "file", path: "plant/access.rights", removed: false });
    const work = pending.take();
    expect(work.kind).toBe("changes");
    if (work.kind !== "changes") return;
    expect([...work.batch.files]).toEqual(["plant/access.rights"]);
    expect([...work.batch.dirs]).toEqual(["site/new"]);
    expect(pending.take()).toEqual({ kind: "none" });
  });

  it("turns a configuration change into a full reload that recompiles", () => {
    const pending = new PendingChanges();
    pending.add({ kind: "file", path: "access.rights", removed: false });
    pending.add({ kind: "config", path: "treerights.yaml", removed: false });
    pending.add({ kind: "file", path: "plant/access.rights", removed: false });
    expect(pending.take()).toEqual({ kind: "full", recompile: true });
  });

  it("turns a burst over the limit into a full reload", () => {
    const pending = new PendingChanges(3);
    for (let i = 0; i < 4; i++) pending.add({ kind: "file", path: `d${i}/access.rights`, removed: false });
    expect(pending.take()).toEqual({ kind: "full", recompile: false });
  });

  it("markFull() makes the next reload read everything", () => {
    const pending = new PendingChanges();
    pending.markFull();
    expect(pending.take()).toEqual({ kind: "full", recompile: false });
  });

  it("holds a removed rights file until it is back or the hold has passed", () => {
    const pending = new PendingChanges();
    pending.add({ kind: "file", path: "a/access.rights", removed: true }, 1000);
    expect(pending.holdMs(1000)).toBe(UNLINK_HOLD_MS);
    expect(pending.holdMs(1040)).toBe(UNLINK_HOLD_MS - 40);
    pending.add({ kind: "file", path: "a/access.rights", removed: false }, 1050);
    expect(pending.holdMs(1050)).toBe(0);
    pending.add({ kind: "file", path: "b/access.rights", removed: true }, 2000);
    expect(pending.holdMs(2000 + UNLINK_HOLD_MS)).toBe(0);
    // A removed directory is no editor's save: it is not held.
    pending.add({ kind: "dir", path: "c", removed: true }, 3000);
    expect(pending.holdMs(3000)).toBe(0);
  });
});
