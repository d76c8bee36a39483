/** Shared steps of the fault scenarios: small trees and questions about them, oracle trees from copies, waiting for a revision, the revisions a handle served, the judge's verdict asserted. */
import { afterEach, expect } from "vitest";
import type { RightsIndex } from "../../src/engine/index.js";
import { loadTree, RIGHTS_FILE } from "../../src/loader/index.js";
import type { TreeHandle } from "../../src/loader/index.js";
import { makeTree, removeTree, rights } from "../loader/open-tree-harness.js";
import type { Question, Verdict } from "./judge.js";
import { faultsOf, NO_FAULTS } from "./judge.js";

/** The tree `files` (relative path → content) compiled on its own, from a copy on disk: an oracle. */
export async function oracleOf(files: Readonly<Record<string, string>>): Promise<RightsIndex> {
  const copy = await makeTree(files);
  try {
    return await loadTree(copy);
  } finally {
    await removeTree(copy);
  }
}

/**
 * Resolves once `handle` serves `revision`, to the ms it took from the call;
 * to null when it did not within `timeoutMs` (the caller asserts, after
 * judging what was answered meanwhile).
 */
export function untilRevision(handle: TreeHandle, revision: string, timeoutMs: number): Promise<number | null> {
  const started = performance.now();
  if (handle.index.revision === revision) return Promise.resolve(0);
  return new Promise((resolve) => {
    const done = (value: number | null): void => {
      clearTimeout(timer);
      clearInterval(poll);
      handle.off("reload", onReload);
      resolve(value);
    };
    const onReload = (): void => {
      if (handle.index.revision === revision) done(performance.now() - started);
    };
    // A reload event is the swap; the poll is only a fallback should a listener be missed.
    const poll = setInterval(onReload, 50);
    const timer = setTimeout(() => {
      done(null);
    }, timeoutMs);
    handle.on("reload", onReload);
  });
}

/** Revisions in `status.history` (the initial load first while it is among the last 50), oldest first. */
export function historyOf(handle: TreeHandle): string[] {
  return (handle.status.history ?? []).map((r) => r.revision);
}

/** Names each revision by its tree (`unknown …` for none), for readable failures. */
export function namesOf(revisions: readonly string[], names: Readonly<Record<string, string>>): string[] {
  return revisions.map((r) => names[r] ?? `unknown ${r}`);
}

/** min / median / max of some durations, in ms, for the report. */
export function spread(ms: readonly number[]): string {
  if (ms.length === 0) return "none";
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number): string => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!.toFixed(0);
  return `min ${at(0)} / median ${at(0.5)} / p90 ${at(0.9)} / max ${sorted.at(-1)!.toFixed(0)} ms (${ms.length})`;
}

/** A small tree whose every file names `tag`, so two versions differ in each file. */
export function smallTree(tag: string): Record<string, string> {
  return {
    "access.rights": rights(["ops"], ["admin"]),
    "plant/access.rights": rights([`plant-${tag}`], [`w-${tag}`]),
    "plant/north/access.rights": `READ:\n  override: [north-${tag}]\n`,
    "lab/access.rights": rights([`lab-${tag}`]),
  };
}

/**
 * Every single-group question about the directories of `trees` (and a path
 * below each), for every group their files name, at both levels.
 */
export function questionsAbout(...trees: readonly Readonly<Record<string, string>>[]): Question[] {
  const groups = new Set<string>();
  const paths = new Set<string>(["/elsewhere"]);
  for (const files of trees) {
    for (const [file, yaml] of Object.entries(files)) {
      const dir = file.slice(0, -RIGHTS_FILE.length);
      paths.add(`/${dir}leaf`);
      for (const list of yaml.matchAll(/\[([^\]]*)\]/g)) for (const g of list[1]!.split(",")) if (g.trim() !== "") groups.add(g.trim());
    }
  }
  return [...paths].flatMap((path) => [...groups].flatMap((g) => (["READ", "WRITE"] as const).map((access) => ({ groups: [g], access, path }))));
}

/** Asserts (softly, so every finding shows) that the judge found nothing, naming the revisions it knows. */
export function expectFaultless(verdict: Verdict, label: string, names: Readonly<Record<string, string>>): void {
  const faults = faultsOf(verdict);
  const unknown = Object.fromEntries(Object.entries(faults.unknownRevisions).map(([r, n]) => [names[r] ?? r, n]));
  expect.soft({ ...faults, unknownRevisions: unknown }, label).toEqual(NO_FAULTS);
}

/** What a test opened: closed (handles, servers) or removed (directories) after it, the latest first. */
export interface Opened {
  /** Closes `thing` after the test; returns it. */
  closes<T extends { close(): Promise<unknown> }>(thing: T): T;
  /** Removes the directory `dir` (with everything in it) after the test; returns it. */
  removes(dir: string): string;
}

/** Registers the `afterEach` that undoes what each test of this file opened. */
export function openedInEachTest(): Opened {
  let undo: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    const steps = undo.reverse();
    undo = [];
    for (const step of steps) await step();
  });
  return {
    closes(thing) {
      undo.push(() => thing.close());
      return thing;
    },
    removes(dir) {
      undo.push(() => removeTree(dir));
      return dir;
    },
  };
}
