import { describe, expect, it } from "vitest";
import type { RightsFile } from "../../src/engine/index.js";
import { changedFiles, fileFingerprints } from "../../src/loader/watch-changes.js";

const root: RightsFile = { dir: "", file: "access.rights", READ: { include: ["ops"] } };
const plant: RightsFile = { dir: "plant", file: "plant/access.rights", READ: { include: ["eng"], at: { line: 1, column: 1 } } };

describe("changedFiles", () => {
  it("is empty for the same content read twice", () => {
    const a = fileFingerprints({ files: [root, plant], rightsPaths: ["access.rights", "plant/access.rights"] });
    const b = fileFingerprints({ files: [{ ...root }, { ...plant }], rightsPaths: ["access.rights", "plant/access.rights"] });
    expect(changedFiles(a, b)).toEqual([]);
  });

  it("lists added, changed and removed files, sorted", () => {
    const before = fileFingerprints({ files: [root, plant], rightsPaths: ["access.rights", "plant/access.rights"] });
    const after = fileFingerprints({
      files: [{ ...root, READ: { include: ["qa"] } }, { dir: "site/a" }],
      rightsPaths: ["access.rights", "site/a/access.rights"],
    });
    expect(changedFiles(before, after)).toEqual(["access.rights", "plant/access.rights", "site/a/access.rights"]);
  });

  it("counts a moved rule (new positions) as a change", () => {
    const before = fileFingerprints({ files: [plant], rightsPaths: ["plant/access.rights"] });
    const after = fileFingerprints({ files: [{ ...plant, READ: { include: ["eng"], at: { line: 2, column: 1 } } }], rightsPaths: ["plant/access.rights"] });
    expect(changedFiles(before, after)).toEqual(["plant/access.rights"]);
  });

  it("counts a listed path without parsed content", () => {
    const before = fileFingerprints({ files: [root], rightsPaths: ["access.rights"] });
    const after = fileFingerprints({ files: [root], rightsPaths: ["access.rights", "x/access.rights"] });
    expect(changedFiles(before, after)).toEqual(["x/access.rights"]);
  });
});
