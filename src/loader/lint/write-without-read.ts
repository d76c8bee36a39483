/** The lint rule `write_without_read`: a group that may write a directory but not read it. */
import type { Problem, RightsFile } from "../../engine/index.js";
import { formatPath, normalizePath } from "../../engine/index.js";
import type { InheritedSets } from "./lint-inherited.js";
import { RIGHTS_FILE_NAME } from "../parse/parse-rights.js";
import { NOWHERE, problem, quote } from "../parse/problems.js";
import { childPath } from "../read/walk.js";

/**
 * One warning per rights file and group where the group holds WRITE but not
 * READ on the file's directory and did not already on the parent directory
 * (so one grant at the root is reported once, not in every file below it).
 * Placed at the file's `WRITE` key, else its `READ` key. Pattern rules count
 * where they act on a file's directory (its effective sets include them);
 * paths that only a pattern rule reaches are not enumerated.
 */
export function writeWithoutRead(files: readonly RightsFile[], sets: InheritedSets): Problem[] {
  const problems: Problem[] = [];
  for (const file of files) {
    const segments = normalizePath(file.dir);
    const dir = formatPath(segments);
    const here = writersWhoCannotRead(sets, dir);
    if (here.length === 0) continue;
    const before = segments.length === 0 ? new Set<string>() : new Set(writersWhoCannotRead(sets, formatPath(segments.slice(0, -1))));
    const at = file.WRITE?.at ?? file.READ?.at ?? NOWHERE;
    for (const group of here) {
      if (before.has(group)) continue;
      problems.push(problem("write_without_read", file.file ?? childPath(segments.join("/"), RIGHTS_FILE_NAME), at,
        `group ${quote(group)} may write ${quote(dir)} but not read it; add it to \`READ\` or remove it from \`WRITE\``));
    }
  }
  return problems;
}

function writersWhoCannotRead(sets: InheritedSets, dir: string): string[] {
  const readers = sets.effective(dir, "READ");
  return [...sets.effective(dir, "WRITE")].filter((g) => !readers.has(g));
}
