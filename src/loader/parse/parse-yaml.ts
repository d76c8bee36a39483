/**
 * YAML parsing for rights files: YAML 1.2 core schema with positions, every
 * YAML error and warning as a problem, and no directives (a `%YAML 1.1`
 * would make `no` and `on` booleans).
 */
import type { Document, Node, YAMLError } from "yaml";
import { LineCounter, Parser, parseDocument } from "yaml";
import type { Position, Problem } from "../../engine/index.js";
import { problem, quote } from "./problems.js";

/** A parsed YAML document with its line index and the problems YAML itself found. */
export interface ParsedYaml {
  readonly doc: Document.Parsed;
  readonly lines: LineCounter;
  readonly problems: readonly Problem[];
  /** True when YAML errors make the document untrustworthy: its content is not checked further. */
  readonly broken: boolean;
}

// Duplicate keys are found on the nodes, where the key's name and first place are known.
const CHECKED_ON_NODES: ReadonlySet<string> = new Set(["DUPLICATE_KEY"]);
// Any directive is an error already; YAML's own complaint about one would repeat it.
const ABOUT_DIRECTIVES: ReadonlySet<string> = new Set(["BAD_DIRECTIVE"]);

/** Parses `text` (the contents of `file`) as one YAML 1.2 document. */
export function parseYaml(text: string, file: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    version: "1.2",
    schema: "core",
    uniqueKeys: true,
    merge: false,
    strict: true,
    prettyErrors: false,
    // "silent" would also drop the error for a second document.
    logLevel: "error",
  });
  const problems = findDirectives(text, file, lines);
  let broken = false;
  for (const error of doc.errors) {
    if (CHECKED_ON_NODES.has(error.code) || ABOUT_DIRECTIVES.has(error.code)) continue;
    broken = true;
    problems.push(problem("yaml_syntax", file, errorPosition(error, lines), syntaxMessage(error)));
  }
  for (const warning of doc.warnings) {
    if (ABOUT_DIRECTIVES.has(warning.code)) continue;
    problems.push(problem("yaml_warning", file, errorPosition(warning, lines), warningMessage(warning)));
  }
  return { doc, lines, problems, broken };
}

/** The 1-based position of a YAML node (its first character). */
export function nodePosition(node: Node, lines: LineCounter): Position {
  return offsetPosition(node.range?.[0] ?? 0, lines);
}

/** The 1-based position of a character offset. */
export function offsetPosition(offset: number, lines: LineCounter): Position {
  const { line, col } = lines.linePos(offset);
  return { line, column: col };
}

function errorPosition(error: YAMLError, lines: LineCounter): Position {
  return offsetPosition(error.pos[0], lines);
}

// Directives are only possible on lines starting with `%`, so most files skip the second pass.
function findDirectives(text: string, file: string, lines: LineCounter): Problem[] {
  const found: Problem[] = [];
  if (!/^%/m.test(text)) return found;
  for (const token of new Parser().parse(text)) {
    if (token.type !== "directive") continue;
    const name = token.source.split(/\s/, 1)[0] ?? token.source;
    const why = name === "%YAML" ? " (files are read as YAML 1.2, where `no` and `on` stay strings)" : "";
    found.push(problem("yaml_directive", file, offsetPosition(token.offset, lines),
      `directive ${quote(token.source.trim())} is not allowed; remove it${why}`));
  }
  return found;
}

function syntaxMessage(error: YAMLError): string {
  switch (error.code) {
    case "MULTIPLE_DOCS":
      return "a rights file holds one yaml document; remove this `---` and what follows, or merge it into the first";
    case "TAB_AS_INDENT":
      return "invalid yaml: tabs are not allowed as indentation; indent with spaces";
    default:
      return `invalid yaml: ${sentence(error.message)}`;
  }
}

function warningMessage(warning: YAMLError): string {
  const tag = /^Unresolved tag: (.*)$/.exec(warning.message)?.[1];
  if (tag !== undefined) return `unresolved tag ${quote(tag)}; remove it, rights files need no tags`;
  return `yaml warning: ${sentence(warning.message)}`;
}

// YAML's messages as one lowercase line without a final period.
function sentence(message: string): string {
  const line = message.replace(/\s+/g, " ").trim().replace(/[.:]$/, "");
  return /^[A-Z][a-z]/.test(line) ? line.charAt(0).toLowerCase() + line.slice(1) : line;
}
