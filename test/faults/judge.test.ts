import { describe, expect, it } from "vitest";
import { compile } from "../../src/engine/index.js";
import type { RightsFile } from "../../src/engine/index.js";
import type { Answer, Question } from "./judge.js";
import { faultsOf, judge, NO_FAULTS, telling } from "./judge.js";

const before: RightsFile[] = [{ dir: "/", READ: { include: ["ops"] } }, { dir: "/plant", READ: { override: ["eng"] } }];
const after: RightsFile[] = [{ dir: "/", READ: { include: ["ops"] } }];
const oracles = [compile(before, { revision: "rev-before" }), compile(after, { revision: "rev-after" })];

const opsPlant: Question = { groups: ["ops"], access: "READ", path: "/plant/a" };
const engPlant: Question = { groups: ["eng"], access: "READ", path: "/plant/a" };
const opsRoot: Question = { groups: ["ops"], access: "READ", path: "/b" };

describe("the judge", () => {
  it("passes answers that match the tree their revision names", () => {
    const answers: Answer[] = [
      { question: opsPlant, revision: "rev-before", allowed: false },
      { question: opsPlant, revision: "rev-after", allowed: true },
      { question: engPlant, revision: "rev-before", allowed: true },
      { question: opsPlant, revision: "rev-before", allowed: false },
    ];
    const verdict = judge(oracles, answers);
    expect(faultsOf(verdict)).toEqual(NO_FAULTS);
    expect(Object.fromEntries(verdict.served)).toEqual({ "rev-before": 3, "rev-after": 1 });
  });

  it("catches an answer that differs from its revision's tree, even when another tree would give it", () => {
    // `true` is what rev-after says: a mix of revision and answer is a fault.
    const verdict = judge(oracles, [{ question: opsPlant, revision: "rev-before", allowed: true }]);
    expect(verdict.wrongCount).toBe(1);
    expect(verdict.wrong).toEqual(["[ops] READ /plant/a → true at rev-before, its tree says false"]);
  });

  it("catches a revision that is no oracle tree's, whatever it answered", () => {
    const verdict = judge(oracles, [
      { question: opsRoot, revision: "rev-half", allowed: true },
      { question: opsRoot, revision: "rev-half", allowed: true },
      { question: opsRoot, revision: "rev-after", allowed: true },
    ]);
    // Both trees allow ops on /b: nothing beyond them was given away.
    expect(faultsOf(verdict)).toEqual({ ...NO_FAULTS, unknownRevisions: { "rev-half": 2 } });
    expect(verdict.served.get("rev-after")).toBe(1);
  });

  it("counts what was allowed that every tree denies, whatever revision allowed it", () => {
    const outsider: Question = { groups: ["leaked"], access: "READ", path: "/plant/a" };
    const verdict = judge(oracles, [
      { question: outsider, revision: "rev-half", allowed: true },
      { question: outsider, revision: "rev-before", allowed: true },
      { question: outsider, revision: "rev-after", allowed: false },
    ]);
    expect(faultsOf(verdict)).toMatchObject({ unknownRevisions: { "rev-half": 1 }, wrongCount: 1, allowedBeyondAll: 2 });
  });

  it("keeps only the questions that tell the trees apart, and refuses a set too weak to", () => {
    expect(telling(oracles, [opsPlant, engPlant, opsRoot])).toEqual([opsPlant, engPlant]);
    expect(() => telling(oracles, [opsRoot])).toThrow(/only 0 of 1 questions/);
  });
});
