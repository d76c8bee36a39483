import { describe, expect, it } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsIndex } from "../../src/engine/index.js";
import { ReloadHistory } from "../../src/loader/live/watch-history.js";
import { TimeSlicer } from "../../src/loader/read/tree-fs.js";

function tree(read: string[], revision: string): RightsIndex {
  return compile([{ dir: "", READ: { include: read } }, { dir: "a", WRITE: { override: read } }], { revision });
}

describe("ReloadHistory", () => {
  it("records each swap at once, its grant counts once counted, oldest first, and keeps only the last ones", async () => {
    const history = new ReloadHistory(3);
    const r1 = tree(["ops"], "r1");
    const r2 = r1.update({ upsert: [{ dir: "", READ: { include: ["ops", "qa"] } }] }, { revision: "r2" });
    history.add(r1, null, { commit: "c1", filesChanged: 2, rebuilt: true, at: new Date(0) });
    const second = history.add(r2, r1, { commit: "c2", filesChanged: 1, rebuilt: false, at: new Date(1000) });
    expect(history.records[1]?.changes).toBeNull();
    await history.count(second, r2, r1, new TimeSlicer());
    expect(history.records).toEqual([
      { revision: "r1", commit: "c1", at: "1970-01-01T00:00:00.000Z", filesChanged: 2, changes: { grants: 0, revocations: 0 } },
      { revision: "r2", commit: "c2", at: "1970-01-01T00:00:01.000Z", filesChanged: 1, changes: { grants: 2, revocations: 0 } },
    ]);
    const r3 = tree(["eng"], "r3");
    const r4 = tree(["eng", "guest"], "r4");
    const third = history.add(r3, r2, { commit: null, filesChanged: 1, rebuilt: true });
    history.add(r4, r3, { commit: null, filesChanged: 1, rebuilt: true });
    await history.count(third, r3, r2, new TimeSlicer());
    expect(history.records.map((r) => r.revision)).toEqual(["r2", "r3", "r4"]);
    // r2 → r3: eng gains READ on / and /a and WRITE on /a; ops and qa lose both READs, ops the WRITE.
    expect(history.records[1]?.changes).toEqual({ grants: 3, revocations: 5 });
  });

  it("answers the effective changes since a remembered revision, and null for any other", () => {
    const history = new ReloadHistory(2);
    const r1 = tree(["ops"], "r1");
    const r2 = tree(["qa"], "r2");
    const r3 = tree(["qa", "eng"], "r3");
    history.add(r1, null, { commit: null, filesChanged: 2, rebuilt: true });
    history.add(r2, r1, { commit: null, filesChanged: 1, rebuilt: true });
    history.add(r3, r2, { commit: null, filesChanged: 1, rebuilt: false });
    expect(history.changesSince("r1", r3)).toBeNull();
    expect(history.changesSince("r2", r3)).toEqual({
      from: "r2", to: "r3",
      changes: [
        { path: "/", access: "READ", added: ["eng"], removed: [] },
        { path: "/a", access: "READ", added: ["eng"], removed: [] },
        { path: "/a", access: "WRITE", added: ["eng"], removed: [] },
      ],
    });
    expect(history.changesSince("r3", r3)).toEqual({ from: "r3", to: "r3", changes: [] });
    expect(history.changesSince("nope", r3)).toBeNull();
  });
});

describe("ReloadHistory memory", () => {
  it("keeps the indexes of the last rebuilds and everything after them, and only the records before", () => {
    const history = new ReloadHistory(10, 2);
    const indexes = ["r1", "r2", "r3", "r4", "r5", "r6"].map((r, i) => tree([`g${i}`], r));
    // r1 (rebuilt) r2 r3 (rebuilt) r4 r5 (rebuilt) r6: two rebuilds kept means r3 onwards.
    const rebuilt = [true, false, true, false, true, false];
    indexes.forEach((index, i) => history.add(index, null, { commit: null, filesChanged: 1, rebuilt: rebuilt[i] ?? false }));
    const current = indexes[5] as RightsIndex;
    expect(history.records).toHaveLength(6);
    expect(history.changesSince("r1", current)).toBeNull();
    expect(history.changesSince("r2", current)).toBeNull();
    expect(history.changesSince("r3", current)).not.toBeNull();
    expect(history.changesSince("r4", current)).not.toBeNull();
  });
});
