/**
 * The judge of the fault suite: every answer given under load must equal the
 * answer of the tree at the revision it names, and that revision must be one
 * of the trees that stood on disk at a quiet moment (the oracle trees).
 */
import type { Access } from "../../src/engine/index.js";

/** A question a checker asks. */
export interface Question {
  readonly groups: readonly string[];
  readonly access: Access;
  readonly path: string;
}

/** An answer recorded under load: the question, what was answered, and the revision that answered it. */
export interface Answer {
  readonly question: Question;
  readonly revision: string;
  readonly allowed: boolean;
}

/** A tree compiled independently of the handle under test (`loadTree` of a copy, a git commit). */
export interface Oracle {
  readonly revision: string;
  check(groups: readonly string[], access: Access, path: string): boolean;
}

/** What the judge found. */
export interface Verdict {
  /** Answers counted by revision, oracle revisions first (zero when never served). */
  readonly served: ReadonlyMap<string, number>;
  /** Revisions answers named that are no oracle tree's, with how many answers named each. */
  readonly unknownRevisions: ReadonlyMap<string, number>;
  /** Answers that differ from their oracle's `check`, one line each (at most `MAX_LISTED`). */
  readonly wrong: readonly string[];
  /** How many answers were wrong in all. */
  readonly wrongCount: number;
  /** Answers, under any revision, that allowed what every oracle tree denies: what a half-applied tree gives away. */
  readonly allowedBeyondAll: number;
}

/** How many wrong answers a verdict spells out; the rest are only counted. */
export const MAX_LISTED = 20;

/** Judges `answers` against the oracle trees (keyed by their revision). */
export function judge(oracles: Iterable<Oracle>, answers: Iterable<Answer>): Verdict {
  const byRevision = new Map<string, Oracle>();
  for (const oracle of oracles) byRevision.set(oracle.revision, oracle);
  const served = new Map<string, number>([...byRevision.keys()].map((r) => [r, 0]));
  const unknownRevisions = new Map<string, number>();
  // A question is asked many times: its oracle answers are computed once per revision.
  const expected = new Map<Question, Map<string, boolean>>();
  const deniedByAll = new Map<Question, boolean>();
  let allowedBeyondAll = 0;
  const wrong: string[] = [];
  let wrongCount = 0;
  for (const answer of answers) {
    if (answer.allowed) {
      const q = answer.question;
      let denied = deniedByAll.get(q);
      if (denied === undefined) deniedByAll.set(q, (denied = [...byRevision.values()].every((o) => !o.check(q.groups, q.access, q.path))));
      if (denied) allowedBeyondAll++;
    }
    const oracle = byRevision.get(answer.revision);
    if (oracle === undefined) {
      unknownRevisions.set(answer.revision, (unknownRevisions.get(answer.revision) ?? 0) + 1);
      continue;
    }
    served.set(answer.revision, (served.get(answer.revision) ?? 0) + 1);
    let known = expected.get(answer.question);
    if (known === undefined) expected.set(answer.question, (known = new Map()));
    let want = known.get(answer.revision);
    if (want === undefined) {
      const q = answer.question;
      want = oracle.check(q.groups, q.access, q.path);
      known.set(answer.revision, want);
    }
    if (want === answer.allowed) continue;
    wrongCount++;
    if (wrong.length < MAX_LISTED) wrong.push(`${questionText(answer.question)} → ${String(answer.allowed)} at ${answer.revision}, its tree says ${String(want)}`);
  }
  return { served, unknownRevisions, wrong, wrongCount, allowedBeyondAll };
}

/** A question in one line, for failure messages. */
export function questionText(q: Question): string {
  return `[${q.groups.join(",")}] ${q.access} ${q.path}`;
}

/** The verdict as the plain data a test asserts on: no unknown revision, no wrong answer. */
export function faultsOf(verdict: Verdict): Pick<Verdict, "wrong" | "wrongCount" | "allowedBeyondAll"> & { unknownRevisions: Record<string, number> } {
  return { unknownRevisions: Object.fromEntries(verdict.unknownRevisions), wrong: verdict.wrong, wrongCount: verdict.wrongCount, allowedBeyondAll: verdict.allowedBeyondAll };
}

/** The verdict a test wants: nothing unknown, nothing wrong, nothing allowed that every tree denies. */
export const NO_FAULTS = { unknownRevisions: {}, wrong: [], wrongCount: 0, allowedBeyondAll: 0 } as const;

/**
 * Questions that tell the oracle trees apart: each one whose answer differs
 * between at least two of them. Throws when fewer than `least` do, so a
 * scenario cannot silently lose its power to see a wrong tree.
 */
export function telling(oracles: readonly Oracle[], questions: readonly Question[], least = 1): Question[] {
  const chosen = questions.filter((q) => new Set(oracles.map((o) => o.check(q.groups, q.access, q.path))).size > 1);
  if (chosen.length < least) throw new Error(`only ${chosen.length} of ${questions.length} questions tell the trees apart, wanted ${least}`);
  return chosen;
}
