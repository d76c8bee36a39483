/**
 * The API keys file (`schemas/api-keys.schema.json`): parsed from bytes into
 * entries with their ids in a `Map`, and written back atomically by the
 * `treerights keys` commands (validated, temp file, fsync, rename).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { Document } from "yaml";
import type { Problem } from "../../../engine/index.js";
import { formatProblem } from "../../../engine/index.js";
import { problem, quote, sortProblems } from "../../../loader/parse/problems.js";
import { parseSchemaYaml, schemaValidator } from "../../../loader/parse/schema-yaml.js";
import type { ParseResult } from "../files/watched-file.js";
import { MAX_FILE_BYTES } from "../files/watched-file.js";
import { codeOf, replaceFile } from "../files/replace-file.js";

/** Where the JSON Schema of a keys file lives (shipped in the package). */
export const API_KEYS_SCHEMA_URL = new URL("../../../../schemas/api-keys.schema.json", import.meta.url);

/** One entry of the keys file, as written. */
export interface ApiKeyEntry {
  readonly id: string;
  /** `sha256:<hex>` of the whole key. */
  readonly hash: string;
  readonly owner: string;
  readonly groups: readonly string[];
  /** Absent: no narrowing. */
  readonly scopes?: readonly string[];
  /** ISO 8601 date-time. */
  readonly expires?: string;
  readonly revoked?: boolean;
  /** ISO 8601 date-time. */
  readonly created?: string;
  readonly comment?: string;
}

/** A keys file that loads: its entries in file order, and the same entries by id. */
export interface KeysFile {
  readonly keys: readonly ApiKeyEntry[];
  // INVARIANT: holds every entry of `keys` under its id, and ids are unique (a duplicate does not load).
  readonly byId: ReadonlyMap<string, ApiKeyEntry>;
}

/** What reading a keys file gave: its content and revision (sha256 of the bytes), no file, or the problems that stop it loading. */
export type KeysFileRead =
  | { readonly kind: "loaded"; readonly file: KeysFile; readonly revision: string }
  | { readonly kind: "missing" }
  | { readonly kind: "failed"; readonly problems: readonly Problem[] };

// verbose: problems name the keys an entry may hold and the schema's descriptions.
const validate = schemaValidator(API_KEYS_SCHEMA_URL);

/** The order fields are written in. */
const FIELD_ORDER = ["id", "owner", "groups", "scopes", "expires", "revoked", "created", "comment", "hash"] as const;

/** Parses the bytes of a keys file (`file` names it in problems): the entries, or every problem with line and column. */
export function parseKeysFile(bytes: Uint8Array, file: string): ParseResult<KeysFile> {
  const parsed = parseSchemaYaml(bytes, file, validate());
  if (parsed.value === null) return { problems: parsed.problems.filter((p) => p.severity === "error") };
  const problems: Problem[] = [];
  const keys = (parsed.value as { keys: ApiKeyEntry[] }).keys;
  const byId = new Map<string, ApiKeyEntry>();
  const firstLine = new Map<string, number>();
  keys.forEach((entry, i) => {
    for (const field of ["expires", "created"] as const) {
      const value = entry[field];
      if (value !== undefined && Number.isNaN(Date.parse(value))) {
        problems.push(problem("schema_violation", file, parsed.at(["keys", i, field]), `\`keys[${i}].${field}\` ${quote(value)} is not a real date and time`));
      }
    }
    const at = parsed.at(["keys", i, "id"]);
    const first = firstLine.get(entry.id);
    if (first !== undefined) {
      problems.push(problem("schema_violation", file, at, `key id ${quote(entry.id)} is listed twice (first on line ${first}); ids must be unique`));
      return;
    }
    firstLine.set(entry.id, at.line);
    byId.set(entry.id, Object.freeze({ ...entry }));
  });
  if (problems.length > 0) return { problems: sortProblems(problems) };
  return { value: Object.freeze({ keys: Object.freeze([...byId.values()]), byId }) };
}

/** Reads the keys file at `path`; never throws for a missing, unreadable or bad file. */
export async function readKeysFile(path: string): Promise<KeysFileRead> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = codeOf(error);
    if (code === "ENOENT") return { kind: "missing" };
    return { kind: "failed", problems: [problem("file_unreadable", path, { line: 0, column: 0 }, `the keys file cannot be read (${code})`)] };
  }
  if (bytes.length > MAX_FILE_BYTES) {
    return { kind: "failed", problems: [problem("file_unreadable", path, { line: 0, column: 0 }, `the keys file is over ${MAX_FILE_BYTES / 1024 / 1024} MiB`)] };
  }
  const parsed = parseKeysFile(bytes, path);
  if ("problems" in parsed) return { kind: "failed", problems: parsed.problems };
  return { kind: "loaded", file: parsed.value, revision: revisionOf(bytes) };
}

/** The YAML text of a keys file holding `keys`, fields in a fixed order; comments of an earlier version are not kept. */
export function serializeKeysFile(keys: readonly ApiKeyEntry[]): string {
  const ordered = keys.map((entry) => {
    const out: Record<string, unknown> = {};
    for (const field of FIELD_ORDER) if (entry[field] !== undefined) out[field] = entry[field];
    return out;
  });
  const doc = new Document({ keys: ordered });
  doc.commentBefore = " API keys of one treerights realm, written by `treerights keys`. Each entry holds\n only the SHA-256 of its key, never the key.";
  return doc.toString({ lineWidth: 0 });
}

/** Thrown when a keys file changed between reading and writing it: the command should run again. */
export class KeysFileChangedError extends Error {
  constructor(path: string) {
    super(`keys file \`${path}\` changed while this command ran; nothing was written, run it again`);
    this.name = "KeysFileChangedError";
  }
}

/**
 * Writes `keys` to `path` atomically: serialised, parsed again to prove it
 * loads, written to a temp file beside it (the old file's mode, else 0600),
 * fsynced and renamed over. With `expectRevision` (null: no file), refuses
 * when the file no longer has that revision, so two concurrent commands do
 * not silently drop each other's key. A symbolic link is written through.
 */
export async function writeKeysFile(path: string, keys: readonly ApiKeyEntry[], expectRevision?: string | null): Promise<void> {
  const text = serializeKeysFile(keys);
  const bytes = Buffer.from(text, "utf8");
  const check = parseKeysFile(bytes, path);
  if ("problems" in check) {
    const first = check.problems[0];
    throw new Error(`refusing to write keys file \`${path}\`: ${first === undefined ? "it does not load" : formatProblem(first)}`);
  }
  await replaceFile(path, bytes, {
    ...(expectRevision === undefined ? {} : {
      unchanged: () => readFile(path).then(revisionOf, (error: unknown) => {
        if (codeOf(error) === "ENOENT") return null;
        throw error;
      }).then((now) => now === expectRevision),
    }),
    changed: () => new KeysFileChangedError(path),
  });
}

/** The revision of a keys file's bytes: their sha256, as `WatchedFile` reports it. */
export function revisionOf(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

