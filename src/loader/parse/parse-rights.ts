/**
 * `parseRights`: the bytes of one `access.rights` in, a `RightsFile` (with
 * positions) or the problems that stop it out. No I/O.
 */
import type { Document, LineCounter } from "yaml";
import { isScalar } from "yaml";
import type { Problem, RightsFile } from "../../engine/index.js";
import { checkNodes, rightsGroupSites } from "./check-nodes.js";
import { decodeUtf8 } from "./decode.js";
import { nodePosition, parseYaml } from "./parse-yaml.js";
import { hasErrors, problem, sortProblems } from "./problems.js";
import { buildRights, ruleProblems } from "./rights-build.js";
import type { FilePlaces } from "./rights-places.js";
import { EMPTY_PLACES } from "./rights-places.js";
import { validateRights } from "./schema.js";
import { parseSimpleRights } from "./simple-rights.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { resolveAliases } from "./yaml-nodes.js";

/** The name every rights file has. */
export const RIGHTS_FILE_NAME = "access.rights";

/** How far aliases may expand (YAML's count of aliased nodes) before the file counts as an alias bomb. */
export const MAX_ALIAS_EXPANSION = 50;

/** A parsed file, or `null` when it has errors; warnings may come with a file. */
export interface ParsedRights {
  readonly file: RightsFile | null;
  readonly problems: Problem[];
  /** Where the file's parts stand, with the file. */
  readonly places?: FilePlaces;
}

const START = Object.freeze({ line: 1, column: 1 });

/**
 * Parses the bytes of the rights file at `file` (relative to the tree root,
 * such as `plant/north/access.rights`) and checks it against SPEC 1.1.
 */
export function parseRights(bytes: Uint8Array, file: string): ParsedRights {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    const byte = `0x${decoded.byte.toString(16).padStart(2, "0")}`;
    return { file: null, problems: [problem("not_utf8", file, decoded.at, `byte \`${byte}\` is not valid utf-8; save the file as utf-8`)] };
  }
  const simple = parseSimpleRights(decoded.text, file, dirOf(file));
  if (simple !== null) return { file: simple.file, problems: [], places: simple.places };
  return parseRightsYaml(decoded.text, file);
}

/** Parses decoded text with the full YAML parser, skipping the fast path (which must agree with it). */
export function parseRightsYaml(text: string, file: string): ParsedRights {
  const dir = dirOf(file);
  const { doc, lines, problems: yamlProblems, broken } = parseYaml(text, file);
  const problems = [...yamlProblems];
  if (broken) return { file: null, problems };

  const aliases = resolveAliases(doc);
  const findings = checkNodes(doc, lines, file, aliases, rightsGroupSites(doc, aliases));
  problems.push(...findings.problems);
  if (isEmpty(doc)) {
    problems.push(problem("empty_file", file, START, "file has no rules and changes nothing; add `READ:` or `WRITE:`, or delete it"));
    return hasErrors(problems) ? { file: null, problems } : { file: { dir, file }, problems, places: EMPTY_PLACES };
  }
  if (findings.aliasBomb) return { file: null, problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    // Unresolved aliases were reported by the node checks; anything else thrown here is expansion.
    if (!hasErrors(problems)) problems.push(aliasBomb(lines, file, aliases, err));
    return { file: null, problems };
  }
  const source = { doc, lines, file, aliases };
  problems.push(...validateRights(value, { ...source, reported: findings.reported }));
  problems.push(...ruleProblems(value, source));
  if (hasErrors(problems)) return { file: null, problems: sortProblems(problems) };
  const built = buildRights(value, dir, source);
  return { file: built.file, problems: sortProblems(problems), places: built.places };
}

// Nothing but comments, blank lines or a lone `---`.
function isEmpty(doc: Document): boolean {
  const contents = doc.contents;
  return contents === null || (isScalar(contents) && contents.value === null && (contents.source ?? "") === "");
}

/** The tree directory of a rights file path: `""` for the root. */
export function dirOf(file: string): string {
  return file === RIGHTS_FILE_NAME ? "" : file.slice(0, -(RIGHTS_FILE_NAME.length + 1));
}

function aliasBomb(lines: LineCounter, file: string, aliases: AliasTargets, err: unknown): Problem {
  const first = aliases.keys().next();
  const at = first.done === true ? START : nodePosition(first.value, lines);
  const why = err instanceof ReferenceError ? "aliases expand to too much data" : "aliases cannot be expanded";
  return problem("alias_bomb", file, at, `${why}; write the groups out instead of nesting \`*aliases\``);
}
