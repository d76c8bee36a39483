/** The peers bench's translations: the variant, the Casbin and Cedar policies, and the rule that stops a slow peer. */
import { describe, expect, it } from "vitest";
import type { RightsFile } from "../../src/engine/index.js";
import { compareCheckers } from "../../bench/engine-bench.js";
import { buildCasbin, casbinPolicy } from "../../bench/peers/casbin-peer.js";
import { buildCedar, cedarPolicies } from "../../bench/peers/cedar-peer.js";
import { stopReason } from "../../bench/peers/engines.js";
import { hasNoReinclude, peerVariant } from "../../bench/peers/variant.js";
import { buildReference } from "../../bench/reference.js";
import { generateQueries, generateTree } from "../../bench/workload.js";

const files: RightsFile[] = [
  { dir: "", READ: { override: ["ops", "eng"] }, WRITE: { override: ["ops"] } },
  { dir: "plant", READ: { exclude: ["eng"] }, WRITE: { override: ["admins"] } },
  { dir: "plant/north", READ: { include: ["eng", "guests"] } },
];

describe("peerVariant", () => {
  it("drops re-includes and turns a deeper override into an include", () => {
    const spec = { ...generateTree({ dirs: 4, seed: 1 }), files, fileDirs: Int32Array.from([0, 1, 2]) };
    expect(hasNoReinclude(files, ["ops", "eng", "guests", "admins"])).toBe(false);
    const variant = peerVariant(spec);
    expect(variant.files).toEqual([
      files[0],
      { dir: "plant", READ: { exclude: ["eng"] }, WRITE: { include: ["admins"] } },
      { dir: "plant/north", READ: { include: ["guests"] } },
    ]);
    expect(hasNoReinclude(variant.files, ["ops", "eng", "guests", "admins"])).toBe(true);
  });

  it("keeps every directory of a generated tree and leaves no re-include", () => {
    const spec = generateTree({ dirs: 3_000, seed: 3 });
    const variant = peerVariant(spec);
    expect(variant.dirs).toBe(spec.dirs);
    expect(variant.files[0]).toBe(spec.files[0]);
    expect(hasNoReinclude(variant.files, spec.groups)).toBe(true);
  });
});

describe("casbinPolicy", () => {
  it("writes allow/deny lines on directory prefixes, deeper lines first by priority", () => {
    expect(casbinPolicy(files)).toEqual([
      "p, 1000, ops, /*, READ, allow",
      "p, 1000, eng, /*, READ, allow",
      "p, 1000, ops, /*, WRITE, allow",
      "p, 999, eng, /plant/*, READ, deny",
      "p, 999, admins, /plant/*, WRITE, allow",
      "p, 999, *, /plant/*, WRITE, deny",
      "p, 998, eng, /plant/north/*, READ, allow",
      "p, 998, guests, /plant/north/*, READ, allow",
    ]);
  });
});

describe("cedarPolicies", () => {
  it("writes permit/forbid per group with folder scopes, and an override as forbid-unless", () => {
    expect(cedarPolicies(files.slice(0, 2))).toEqual([
      `permit(principal in Group::"ops", action == Action::"READ", resource in Folder::"/");`,
      `permit(principal in Group::"eng", action == Action::"READ", resource in Folder::"/");`,
      `permit(principal in Group::"ops", action == Action::"WRITE", resource in Folder::"/");`,
      `forbid(principal in Group::"eng", action == Action::"READ", resource in Folder::"/plant");`,
      `permit(principal in Group::"admins", action == Action::"WRITE", resource in Folder::"/plant");`,
      `forbid(principal, action == Action::"WRITE", resource in Folder::"/plant") unless { principal in Group::"admins" };`,
    ]);
  });
});

describe("the peers agree with the reference", () => {
  const spec = generateTree({ dirs: 400, seed: 5 });
  const set = generateQueries(spec, { count: 300, seed: 6, chunkSize: 300 });

  it("Casbin on the generated tree (re-includes and overrides included)", async () => {
    const casbin = await buildCasbin(spec.files);
    expect(compareCheckers(casbin.checker, buildReference(spec.files), set, 300).mismatches).toBe(0);
  });

  it("Cedar on the variant", () => {
    const variant = peerVariant(spec);
    const cedar = buildCedar(variant.files);
    expect(compareCheckers(cedar.checker, buildReference(variant.files), set, 300).mismatches).toBe(0);
  });
});

describe("stopReason", () => {
  it("runs a peer until a size past a limit, and skips a build predicted too long", () => {
    expect(stopReason([], 1_000)).toBeNull();
    expect(stopReason([{ dirs: 1_000, buildMs: 100, msPerDecision: 5 }], 10_000)).toBeNull();
    expect(stopReason([{ dirs: 10_000, buildMs: 100, msPerDecision: 1_500 }], 100_000)).toMatch(/one decision took 1,500 ms/);
    expect(stopReason([{ dirs: 10_000, buildMs: 61_000, msPerDecision: 5 }], 100_000)).toMatch(/building took 61.0 s/);
    // 1 s → 10 s for 10× the size: n^1; 10× more predicts 100 s.
    expect(stopReason([{ dirs: 1_000, buildMs: 1_000, msPerDecision: 1 }, { dirs: 10_000, buildMs: 10_000, msPerDecision: 10 }], 100_000)).toMatch(/about 100 s/);
  });
});
