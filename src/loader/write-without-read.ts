/** The lint rule `write_without_read`: a group that may write a directory but not read it. */
import type { Problem, RightsIndex } from "../engine/index.js";
import { normalizePath } from "../engine/index.js";
import { RIGHTS_FILE_NAME } from "./parse-rights.js";
import { NOWHERE, problem, quote } from "./problems.js";
import { childPath } from "./walk.js";

/**
 * One warning per rights file and group where the group holds WRITE but not
 * READ on the file's directory and did not already on the parent directory
 * (so one grant at the root is reported once, not in every file below it).
 * Placed at the file's `WRITE` key, else its `READ` key.
 */
export function writeWithoutRead(index: RightsIndex): Problem[] {
  const problems: Problem[] = [];
  for (const file of index.files) {
    const segments = normalizePath(file.dir);
    const here = writersWhoCannotRead(index, segments);
    if (here.length === 0) continue;
    const before = segments.length === 0 ? new Set<string>() : new Set(writersWhoCannotRead(index, segments.slice(0, -1)));
    const at = file.WRITE?.at ?? file.READ?.at ?? NOWHERE;
    const dir = `/${segments.join("/")}`;
    for (const group of here) {
      if (before.has(group)) continue;
      problems.push(problem("write_without_read", file.file ?? childPath(segments.join("/"), RIGHTS_FILE_NAME), at,
        `group ${quote(group)} may write ${quote(dir)} but not read it; add it to \`READ\` or remove it from \`WRITE\``));
    }
  }
  return problems;
}

function writersWhoCannotRead(index: RightsIndex, segments: readonly string[]): string[] {
  const path = segments.join("/");
  const readers = new Set(index.groupsFor("READ", path));
  return index.groupsFor("WRITE", path).filter((g) => !readers.has(g));
}
