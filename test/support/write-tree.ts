/** Writes generated rights trees to disk as `access.rights` YAML files, for loader tests. */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { LevelRule, RightsFile } from "../../src/engine/index.js";
import type { GenTree } from "./arbitraries.js";
import { naiveSegments } from "./naive.js";

/** How lists are written: `["a", "b"]`, a block sequence, or a lone name as a string instead of a list. */
export type YamlStyle = "flow" | "block" | "scalar";

const YAML_STYLES: readonly YamlStyle[] = ["flow", "block", "scalar"];

/** The YAML text of one rights file; group names JSON-quoted (valid YAML double-quoted scalars). */
export function toYaml(file: RightsFile, style: YamlStyle = "flow"): string {
  let out = "";
  for (const access of ["READ", "WRITE"] as const) {
    const rule: LevelRule | undefined = file[access];
    if (rule === undefined) continue;
    out += `${access}:\n`;
    for (const keyword of ["override", "include", "exclude"] as const) {
      const list = rule[keyword]?.map((g) => JSON.stringify(g));
      if (list === undefined) continue;
      if (style === "scalar" && list.length === 1) out += `  ${keyword}: ${list[0] ?? ""}\n`;
      else if (style === "block" && list.length > 0) out += `  ${keyword}:\n${list.map((g) => `    - ${g}\n`).join("")}`;
      else out += `  ${keyword}: [${list.join(", ")}]\n`;
    }
  }
  return out;
}

/** Whether a directory name can exist on a POSIX file system. */
export function isDiskName(segment: string): boolean {
  return !segment.includes("/") && !segment.includes("\u0000");
}

/** Whether every directory of the tree can be created on disk. */
export function fitsOnDisk(tree: GenTree): boolean {
  return tree.dirs.every((dir) => dir.every(isDiskName));
}

/** Creates every directory of `tree` under `root`, writes its rights files, and returns their texts by relative path. */
export async function writeTree(root: string, tree: GenTree): Promise<Map<string, string>> {
  // mkdir -p of the deepest directories creates every ancestor (the root among them).
  const leaves = tree.dirs.filter((dir) => !tree.dirs.some((other) => other.length > dir.length && dir.every((s, i) => other[i] === s)));
  await Promise.all(leaves.map((dir) => mkdir(join(root, ...dir), { recursive: true })));
  // Each file in one of the list styles, so the loader sees every way of writing a list.
  const texts = new Map(
    tree.files.map((file, i) => [[...naiveSegments(file.dir), "access.rights"].join("/"), toYaml(file, YAML_STYLES[i % YAML_STYLES.length])]),
  );
  await Promise.all([...texts].map(([rel, text]) => writeFile(join(root, ...rel.split("/")), text)));
  return texts;
}
