/**
 * Two branches of one rights tree for the checkout scenario. `b` changes the
 * files both share, removes whole directories `main` has (`retired-…` and
 * each site's `gone`) and adds new ones, some nested four levels deep, whose files
 * take back what `b`'s parents grant: a tree holding `b`'s parents without
 * the new directories' files allows `leaked` and `leaked-w` where both
 * branches deny them.
 */
import type { Access } from "../../src/engine/index.js";
import type { Question } from "./judge.js";

export type Branch = "main" | "b";

const SITES = 8;
const LINES = 12;
const RETIRED = 4;
const NEW_PER_SITE = 3;
const FRESH = 3;
const FRESH_CHILDREN = 8;

/** Directories (relative, `/`-separated) of the nested new directories of `b` under one site. */
function newDirs(site: number, n: number): string[] {
  const top = `site-${site}/new-${n}`;
  return [top, `${top}/d1`, `${top}/d1/d2`, `${top}/d1/d2/d3`];
}

/** The rights files of `branch`: relative path → YAML. */
export function branchFiles(branch: Branch): Record<string, string> {
  const files: Record<string, string> = {};
  const put = (dir: string, yaml: string): void => {
    files[dir === "" ? "access.rights" : `${dir}/access.rights`] = yaml;
  };
  put("", "READ:\n  include: [ops]\nWRITE:\n  include: [admin]\n");
  for (let i = 0; i < SITES; i++) {
    put(`site-${i}`, branch === "main"
      ? `READ:\n  include: [site-${i}, a-site]\nWRITE:\n  override: [w-${i}]\n`
      : `READ:\n  include: [site-${i}, b-site, leaked]\nWRITE:\n  override: [w-${i}, leaked-w]\n`);
    for (let j = 0; j < LINES; j++) {
      const excluded = branch === "main" ? j % 3 === 0 : (j + 1) % 3 === 0;
      put(`site-${i}/line-${j}`, excluded ? "READ:\n  exclude: [ops]\n" : `READ:\n  include: [line-${j}${branch === "b" ? ", b-line" : ""}]\n`);
    }
    if (branch === "main") put(`site-${i}/gone`, "READ:\n  override: [gone]\n");
    if (branch === "b") {
      for (let n = 0; n < NEW_PER_SITE; n++) {
        const [top, d1, d2, d3] = newDirs(i, n) as [string, string, string, string];
        put(top, "READ:\n  override: [new-reader]\n");
        put(d1, "READ:\n  include: [d1-reader]\nWRITE:\n  override: [d1-writer]\n");
        put(d2, "READ:\n  exclude: [new-reader]\n");
        put(d3, "READ:\n  override: [deep]\n");
      }
    }
  }
  if (branch === "main") {
    for (let k = 0; k < RETIRED; k++) {
      put(`retired-${k}`, "READ:\n  include: [retired]\nWRITE:\n  override: [retired-w]\n");
      put(`retired-${k}/x`, "READ:\n  include: [retired-x]\n");
      put(`retired-${k}/x/y`, "READ:\n  exclude: [ops]\n");
      put(`retired-${k}/x/y/z`, "READ:\n  override: [retired-z]\n");
      for (let m = 0; m < 5; m++) put(`retired-${k}/c-${m}`, "READ:\n  exclude: [ops, retired]\n");
    }
  } else {
    for (let k = 0; k < FRESH; k++) {
      put(`fresh-${k}`, "READ:\n  override: [fresh]\n");
      for (let p = 0; p < FRESH_CHILDREN; p++) {
        put(`fresh-${k}/m-${p}`, `READ:\n  include: [fresh-${p}]\n`);
        put(`fresh-${k}/m-${p}/q`, "WRITE:\n  override: [fresh-w]\n");
      }
    }
  }
  return files;
}

/**
 * Trees that never stood on disk at a quiet moment but that a half-applied
 * checkout would serve: each branch with the directories only it has left
 * out, or only their deeper levels.
 */
export function halfApplied(): Record<string, Record<string, string>> {
  const main = branchFiles("main");
  const b = branchFiles("b");
  const without = (files: Record<string, string>, drop: (file: string) => boolean): Record<string, string> =>
    Object.fromEntries(Object.entries(files).filter(([file]) => !drop(file)));
  return {
    "b without its new directories' files": without(b, (f) => !(f in main)),
    "b without the files below new-*/d1": without(b, (f) => /\/new-\d+\/d1\//.test(f)),
    "b without the files below d2": without(b, (f) => /\/d2\//.test(f)),
    "main without the files of the directories b lacks": without(main, (f) => !(f in b)),
    "main without the files below retired-*/x": without(main, (f) => /retired-\d+\/x\//.test(f)),
  };
}

const GROUPS = [
  "ops", "admin", "a-site", "b-site", "leaked", "leaked-w", "new-reader", "d1-reader", "d1-writer", "deep",
  "retired", "retired-x", "retired-z", "retired-w", "fresh", "fresh-1", "fresh-w", "gone", "line-1", "b-line", "site-2", "w-2",
];

/** Every single-group question about paths in, below and beside the directories the branches differ in. */
export function questionPool(): Question[] {
  const paths: string[] = [];
  for (let i = 0; i < SITES; i += 2) {
    for (let n = 0; n < NEW_PER_SITE; n++) for (const dir of newDirs(i, n)) paths.push(`/${dir}/leaf`);
    paths.push(`/site-${i}/gone/leaf`, `/site-${i}/line-1/leaf`, `/site-${i}/line-2`, `/site-${i}/plain`);
  }
  for (let k = 0; k < RETIRED; k++) paths.push(`/retired-${k}/x/y/z/leaf`, `/retired-${k}/x/y`, `/retired-${k}/x/leaf`, `/retired-${k}/c-1/leaf`);
  for (let k = 0; k < FRESH; k++) paths.push(`/fresh-${k}/leaf`, `/fresh-${k}/m-1/q/leaf`, `/fresh-${k}/m-2`);
  const questions: Question[] = [];
  for (const path of paths) {
    for (const group of GROUPS) for (const access of ["READ", "WRITE"] as readonly Access[]) questions.push({ groups: [group], access, path });
  }
  return questions;
}
