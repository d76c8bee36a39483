/**
 * `treerights.yaml`, the optional configuration at a tree's root: the known
 * groups, mutually exclusive groups, groups that imply groups and ignore globs. Read as safely and
 * checked as strictly as a rights file (`schemas/treerights.schema.json`),
 * every problem with file, line and column.
 */
import type { ErrorObject } from "ajv";
import type { Document } from "yaml";
import { isMap, isScalar, isSeq } from "yaml";
import type { Position, Problem } from "../../engine/index.js";
import type { GroupSite } from "./check-nodes.js";
import { checkNodes } from "./check-nodes.js";
import { decodeUtf8 } from "./decode.js";
import { didYouMean } from "./did-you-mean.js";
import { globProblem } from "./glob.js";
import type { ImpliesPlace } from "./config-implies.js";
import { impliesKeyProblems, impliesOf, impliesProblems, impliesSites } from "./config-implies.js";
import { MAX_ALIAS_EXPANSION } from "./parse-rights.js";
import { nodePosition, parseYaml } from "./parse-yaml.js";
import { hasErrors, problem, quote, sortProblems } from "./problems.js";
import { readSafely } from "../read/read-rights-file.js";
import type { SchemaContext } from "./schema-support.js";
import { GroupListErrors, addProblem, lazyValidator, nodeAt, valueAt } from "./schema-support.js";
import type { TreeFs } from "../read/tree-fs.js";
import { nodeFs } from "../read/tree-fs.js";
import type { AliasTargets } from "./yaml-nodes.js";
import { deref, formatPointer, keyName, locate, locateKey, parsePointer, resolveAliases } from "./yaml-nodes.js";

/** The name of the configuration file, at the tree root. */
export const CONFIG_FILE = "treerights.yaml";

/** Where the JSON Schema of `treerights.yaml` lives (shipped in the package). */
export const CONFIG_SCHEMA_URL = new URL("../../../schemas/treerights.schema.json", import.meta.url);

/** A tree's configuration; the defaults when there is no `treerights.yaml`. */
export interface TreeConfig {
  /** The known groups, or `null` when `groups` is not given (every group is known). */
  readonly groups: readonly string[] | null;
  /** Sets of groups no two of which may hold WRITE on one path. */
  readonly exclusive: readonly (readonly string[])[];
  /** Globs of paths never read, relative to the root. */
  readonly ignore: readonly string[];
  /** Where each group of each `exclusive` set stands in the file, to place lint findings. */
  readonly exclusivePlaces: readonly (readonly Position[])[];
  /** SPEC 1.5: each group and the groups it implies, as written (each once); empty without `implies`. */
  readonly implies: ReadonlyMap<string, readonly string[]>;
  /** Where each key of `implies` and each group of its list stand, to place lint findings. */
  readonly impliesPlaces: ReadonlyMap<string, ImpliesPlace>;
}

/** What reading `treerights.yaml` gave: the configuration (the defaults on errors), its problems, and its bytes when read. */
export interface ConfigRead {
  readonly config: TreeConfig;
  readonly problems: readonly Problem[];
  /** The raw bytes, `null` when there is no such file or it could not be read. */
  readonly bytes: Buffer | null;
  /** True when the file exists (readable or not). */
  readonly found: boolean;
}

/** The configuration of a tree without `treerights.yaml`. */
export const DEFAULT_CONFIG: TreeConfig = Object.freeze({
  groups: null, exclusive: Object.freeze([]), ignore: Object.freeze([]), exclusivePlaces: Object.freeze([]),
  implies: new Map<string, readonly string[]>(), impliesPlaces: new Map<string, ImpliesPlace>(),
});

const KEYS: readonly string[] = ["groups", "exclusive", "implies", "ignore"];
const validate = lazyValidator(CONFIG_SCHEMA_URL);

/** Reads and checks `treerights.yaml` at the root of the tree at `root`; no file gives the defaults and no problems. */
export function readConfig(root: string, fs: TreeFs = nodeFs): ConfigRead {
  const read = readSafely(root, CONFIG_FILE, false, fs);
  if (read === null) return { config: DEFAULT_CONFIG, problems: [], bytes: null, found: false };
  if ("problem" in read) return { config: DEFAULT_CONFIG, problems: [read.problem], bytes: null, found: true };
  const parsed = parseConfig(read.bytes);
  return { config: parsed.config ?? DEFAULT_CONFIG, problems: parsed.problems, bytes: read.bytes, found: true };
}

/** Parses the bytes of a `treerights.yaml`: the configuration, or `null` when it has errors. */
export function parseConfig(bytes: Uint8Array, file: string = CONFIG_FILE): { config: TreeConfig | null; problems: Problem[] } {
  const decoded = decodeUtf8(bytes);
  if (!decoded.ok) {
    const byte = `0x${decoded.byte.toString(16).padStart(2, "0")}`;
    return { config: null, problems: [problem("not_utf8", file, decoded.at, `byte \`${byte}\` is not valid utf-8; save the file as utf-8`)] };
  }
  const { doc, lines, problems: yamlProblems, broken } = parseYaml(decoded.text, file);
  const problems = [...yamlProblems];
  if (broken) return { config: null, problems };
  const aliases = resolveAliases(doc);
  const findings = checkNodes(doc, lines, file, aliases, [...groupSites(doc, aliases), ...impliesSites(doc, aliases)]);
  problems.push(...findings.problems, ...impliesKeyProblems(doc, aliases, lines, file));
  if (findings.aliasBomb || hasErrors(problems)) return { config: null, problems: sortProblems(problems) };
  const contents = doc.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) return { config: DEFAULT_CONFIG, problems };

  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch {
    problems.push(problem("alias_bomb", file, { line: 1, column: 1 }, "aliases expand to too much data; write the groups out instead of nesting `*aliases`"));
    return { config: null, problems };
  }
  const ctx: SchemaContext = { doc, lines, file, aliases, reported: findings.reported };
  problems.push(...schemaProblems(value, ctx));
  problems.push(...globProblems(value, ctx));
  if (hasErrors(problems)) return { config: null, problems: sortProblems(problems) };
  const config = toConfig(value, ctx);
  problems.push(...impliesProblems(config.implies, config.impliesPlaces, config.exclusive, file));
  if (hasErrors(problems)) return { config: null, problems: sortProblems(problems) };
  return { config, problems };
}

// Group names stand in `groups` and in each list of `exclusive`.
function groupSites(doc: Document, aliases: AliasTargets): GroupSite[] {
  const sites: GroupSite[] = [];
  const root = deref(doc.contents, aliases);
  if (!isMap(root)) return sites;
  for (const pair of root.items) {
    const key = pair.key;
    if (!isScalar(key)) continue;
    const name = keyName(key);
    if (name === "groups") sites.push({ path: ["groups"], where: "groups", key, value: pair.value });
    const sets = deref(pair.value, aliases);
    if (name !== "exclusive" || !isSeq(sets)) continue;
    sets.items.forEach((item, i) => {
      if (isSeq(deref(item, aliases))) sites.push({ path: ["exclusive", i], where: `exclusive[${i}]`, key, value: item });
    });
  }
  return sites;
}

function schemaProblems(value: unknown, ctx: SchemaContext): Problem[] {
  const check = validate();
  if (check(value)) return [];
  const problems: Problem[] = [];
  const lists = new GroupListErrors();
  for (const error of check.errors ?? []) {
    const path = parsePointer(error.instancePath);
    const [key, index, item] = path;
    if (key === undefined) rootError(error, ctx, problems);
    else if (key === "groups" && index !== undefined) lists.add(["groups"], "groups", "groups", error);
    else if (key === "exclusive" && item !== undefined) lists.add(["exclusive", Number(index)], `exclusive[${index}]`, "exclusive", error);
    else if (key === "exclusive" && index !== undefined) exclusiveSetError(error, Number(index), value, ctx, problems);
    else if (key === "implies" && index !== undefined) lists.add(["implies", index], `implies.${index}`, "implies", error);
    else if (key === "implies" && error.keyword === "propertyNames") {
      const name = String(error.params["propertyName"]);
      addProblem(problems, ctx, "invalid_group_name", locateKey(ctx.doc, "/implies", name, ctx.aliases), name.trim() === ""
        ? "empty group name as a key of `implies`; write a group name"
        : `group name ${quote(name)} as a key of \`implies\` has leading or trailing whitespace; write ${quote(name.trim())}`);
    } else if (key === "implies" && error.keyword !== "type") {
      continue; // the name checks under `propertyNames`, reported with it
    }
    else if (key === "ignore" && index !== undefined) {
      addProblem(problems, ctx, "invalid_config", nodeAt(ctx, ["ignore", Number(index)]), "each item of `ignore` must be a non-empty glob string, such as `\"archive/**\"`");
    } else addProblem(problems, ctx, "invalid_config", nodeAt(ctx, [key]), listMessage(key));
  }
  lists.report(value, ctx, problems);
  return problems;
}

function rootError(error: ErrorObject, ctx: SchemaContext, problems: Problem[]): void {
  if (error.keyword === "type") {
    addProblem(problems, ctx, "not_a_mapping", ctx.doc.contents,
      `\`${ctx.file}\` must be a mapping of \`groups\`, \`exclusive\`, \`implies\` and/or \`ignore\`, such as \`groups: [operators, supervisors]\``);
  } else if (error.keyword === "additionalProperties") {
    const name = String(error.params["additionalProperty"]);
    if (name === "<<") return; // reported as `merge_key` on the nodes
    const hint = didYouMean(name, KEYS);
    addProblem(problems, ctx, "unknown_key", locateKey(ctx.doc, "", name, ctx.aliases), hint === undefined
      ? `unknown key ${quote(name)}; use \`groups\`, \`exclusive\`, \`implies\` or \`ignore\``
      : `unknown key ${quote(name)} (did you mean \`${hint}\`?)`);
  }
}

function listMessage(key: string): string {
  if (key === "groups") return "`groups` must be a list of group names, such as `groups: [operators, supervisors]`";
  if (key === "exclusive") return "`exclusive` must be a list of group lists, such as `exclusive: [[requesters, approvers]]`";
  if (key === "implies") return "`implies` must be a mapping of groups to the groups they imply, such as `implies: { administrator: [operators] }`";
  return "`ignore` must be a list of globs, such as `ignore: [\"archive/**\"]`";
}

function exclusiveSetError(error: ErrorObject, index: number, value: unknown, ctx: SchemaContext, problems: Problem[]): void {
  const where = `\`exclusive[${index}]\``;
  const node = nodeAt(ctx, ["exclusive", index]);
  if (error.keyword === "minItems") {
    addProblem(problems, ctx, "invalid_config", node, `${where} has fewer than two groups; list two or more groups that must never both hold WRITE`);
  } else if (error.keyword === "uniqueItems") {
    const later = Number(error.params["i"]);
    const group = valueAt(value, ["exclusive", index, later]);
    addProblem(problems, ctx, "invalid_config", nodeAt(ctx, ["exclusive", index, later]),
      `group ${quote(String(group))} appears twice in ${where}; list each group once`);
  } else if (error.keyword === "type") {
    addProblem(problems, ctx, "invalid_config", node, `${where} must be a list of two or more groups, such as \`[requesters, approvers]\``);
  }
}

// Ignore globs are relative to the root: the same checks as pattern globs.
function globProblems(value: unknown, ctx: SchemaContext): Problem[] {
  const found: Problem[] = [];
  const globs = valueAt(value, ["ignore"]);
  if (!Array.isArray(globs)) return found;
  globs.forEach((glob: unknown, i) => {
    if (typeof glob !== "string" || glob === "") return;
    const why = globProblem(glob, "ignore");
    if (why !== null) addProblem(found, ctx, "invalid_glob", nodeAt(ctx, ["ignore", i]), `ignore glob ${quote(glob)} ${why}`);
  });
  return found;
}

function toConfig(value: unknown, ctx: SchemaContext): TreeConfig {
  const groups = valueAt(value, ["groups"]);
  const exclusive = (valueAt(value, ["exclusive"]) ?? []) as string[][];
  const ignore = (valueAt(value, ["ignore"]) ?? []) as string[];
  const place = (path: readonly (string | number)[]): Position => {
    const node = locate(ctx.doc, formatPointer(path), ctx.aliases).node;
    return node ? nodePosition(node, ctx.lines) : { line: 1, column: 1 };
  };
  return Object.freeze({
    groups: Array.isArray(groups) ? Object.freeze(groups.map(String)) : null,
    exclusive: Object.freeze(exclusive.map((set) => Object.freeze([...set]))),
    ignore: Object.freeze([...ignore]),
    exclusivePlaces: Object.freeze(exclusive.map((set, i) => Object.freeze(set.map((_, j) => place(["exclusive", i, j]))))),
    ...impliesOf(value, ctx),
  });
}
