import { describe, expect, it } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import { warmReloadPaths } from "../../src/loader/live/warm-up.js";

const files: RightsFile[] = [
  { dir: "", READ: { override: ["ops"] }, WRITE: { override: ["admins"] } },
  { dir: "plant", READ: { include: ["eng"] } },
  { dir: "plant/north", WRITE: { include: ["north"] }, READ: { exclude: ["ops"] } },
  { dir: "plant/south", READ: { override: ["south"] } },
];
const probes = ["/", "/plant", "/plant/north/x", "/plant/south", "/other"];
const groups = ["ops", "admins", "eng", "north", "south"];

function answers(index: ReturnType<typeof compile>): boolean[] {
  return probes.flatMap((path) => groups.flatMap((g) => [index.check([g], "READ", path), index.check([g], "WRITE", path)]));
}

describe("warmReloadPaths", () => {
  it("leaves the index it warms on exactly as it was", async () => {
    const index = compile(files);
    const before = { answers: answers(index), revision: index.revision, directories: index.directories(), files: index.files };
    await warmReloadPaths(index, 1);
    expect(answers(index)).toEqual(before.answers);
    expect(index.revision).toBe(before.revision);
    expect(index.directories()).toEqual(before.directories);
    expect(index.files).toBe(before.files);
    // Later updates from the same index are unaffected by the warm-up's.
    const updated = index.update({ upsert: [{ dir: "plant", READ: { include: ["qa"] } }] });
    expect(updated.check(["qa"], "READ", "/plant/south/x")).toBe(false);
    expect(updated.check(["qa"], "READ", "/plant/north/x")).toBe(true);
  });

  it("does nothing on a tree of the root alone", async () => {
    const index = compile([files[0] as RightsFile]);
    await warmReloadPaths(index, 1);
    expect(index.check(["ops"], "READ", "/a")).toBe(true);
  });
});
