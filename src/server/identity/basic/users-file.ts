/**
 * The users file of a `basic:` realm (`schemas/users.schema.json`): parsing
 * it into a `Map` (user names are caller data: `__proto__` is a user like
 * any other), editing it in place with its comments kept, and writing it
 * atomically after checking that what is written loads.
 */
import { readFile, realpath, stat } from "node:fs/promises";
import { isMap, parseDocument } from "yaml";
import type { Problem } from "../../../engine/index.js";
import { LoadError } from "../../../engine/index.js";
import { quote } from "../../../loader/parse/problems.js";
import { parseSchemaYaml, schemaValidator } from "../../../loader/parse/schema-yaml.js";
import type { ParseResult } from "../files/watched-file.js";
import { MAX_FILE_BYTES } from "../files/watched-file.js";
import { parseHash } from "./password-hash.js";
import { codeOf, replaceFile } from "../files/replace-file.js";

const validate = schemaValidator(new URL("../../../../schemas/users.schema.json", import.meta.url));

export { NEW_FILE_MODE } from "../files/replace-file.js";

/** One user of the file. */
export interface UserEntry {
  /** `scrypt$…`, as `hashPassword` writes it. */
  readonly hash: string;
  readonly groups: readonly string[];
  readonly disabled: boolean;
  readonly comment?: string;
}

/** The users of a file, by name. */
export type Users = ReadonlyMap<string, UserEntry>;

// The shape the schema guarantees.
interface RawUser {
  readonly hash: string;
  readonly groups?: readonly string[];
  readonly disabled?: boolean;
  readonly comment?: string;
}

/** Parses a users file's bytes: the users, or every problem with file, line and column. */
export function parseUsersFile(bytes: Uint8Array, file: string): ParseResult<Users> {
  const parsed = parseSchemaYaml(bytes, file, validate());
  if (parsed.value === null) return { problems: parsed.problems };
  const raw = (parsed.value as { users?: object }).users ?? {};
  const users = new Map<string, UserEntry>();
  const problems: Problem[] = [];
  const report = (path: readonly (string | number)[], message: string): void => {
    const at = parsed.at(path);
    problems.push({ code: "schema_violation", severity: "error", file, line: at.line, column: at.column, message });
  };
  for (const name of Object.keys(raw)) {
    // A descriptor, not raw[name]: an own `__proto__` is data here, never the prototype.
    const user = Object.getOwnPropertyDescriptor(raw, name)?.value as RawUser;
    const nameProblem = userNameProblem(name);
    if (nameProblem !== null) report(["users", name], `user name ${quote(name)} ${nameProblem}`);
    const hash = parseHash(user.hash);
    if (typeof hash === "string") report(["users", name, "hash"], `the hash of user ${quote(name)} ${hash}`);
    const groups = user.groups ?? [];
    groups.forEach((group, i) => {
      if (group.trim() !== group) report(["users", name, "groups", i], `group ${quote(group)} of user ${quote(name)} has leading or trailing whitespace; write ${quote(group.trim())}`);
    });
    users.set(name, Object.freeze({
      hash: user.hash,
      groups: Object.freeze([...groups]),
      disabled: user.disabled === true,
      ...(user.comment === undefined ? {} : { comment: user.comment }),
    }));
  }
  return problems.length > 0 ? { problems } : { value: users };
}

/**
 * Why `name` cannot be a user, or null when it can: Basic splits the user
 * from the password at the first `:`, so a name holding one could never log
 * in, and control characters are no one's name.
 */
export function userNameProblem(name: string): string | null {
  if (name === "" || name.length > 256) return "must be 1 to 256 characters";
  if (name.includes(":")) return "holds `:`, which Basic authentication cannot send in a user name";
  if (/[\u0000-\u001f\u007f]/.test(name)) return "holds a control character";
  return null;
}

/** A users file as read for an edit: its text and mode, so a write can keep the mode and notice a concurrent edit. */
export interface UsersFileSnapshot {
  /** The file written to: the target when `path` is a symbolic link, so the link stays. */
  readonly path: string;
  /** The file's text; empty when it does not exist. */
  readonly text: string;
  readonly exists: boolean;
  /** Permission bits of the existing file; null when it does not exist. */
  readonly mode: number | null;
  readonly users: Users;
}

/** Reads `path` for an edit; a missing file has no users. Throws `LoadError` when the file does not load. */
export async function readUsersFile(path: string): Promise<UsersFileSnapshot> {
  let target = path;
  try {
    target = await realpath(path);
  } catch (error) {
    if (codeOf(error) !== "ENOENT") throw error;
    return { path, text: "", exists: false, mode: null, users: new Map() };
  }
  const [bytes, stats] = await Promise.all([readFile(target), stat(target)]);
  if (bytes.length > MAX_FILE_BYTES) throw new Error(`users file \`${path}\` is over ${String(MAX_FILE_BYTES / 1024 / 1024)} MiB`);
  const parsed = parseUsersFile(bytes, path);
  if ("problems" in parsed) throw new LoadError(parsed.problems);
  return { path: target, text: bytes.toString("utf8"), exists: true, mode: stats.mode & 0o777, users: parsed.value };
}

/** What an edit changes of one user; fields left out stay as they are. */
export interface UserChange {
  readonly hash?: string;
  readonly groups?: readonly string[];
  readonly disabled?: boolean;
}

/**
 * `text` with `name`'s entry created or changed, comments and the other
 * entries kept. Throws when the result would not say exactly that (a name
 * YAML cannot round-trip).
 */
export function editUser(text: string, name: string, change: UserChange): string {
  const doc = parseDocument(text, { version: "1.2", schema: "core", uniqueKeys: true, merge: false });
  if (doc.errors.length > 0 || (doc.contents !== null && !isMap(doc.contents))) throw new Error("the users file is not a YAML mapping");
  if (!isMap(doc.getIn(["users"], true))) doc.setIn(["users"], doc.createNode({}));
  if (!isMap(doc.getIn(["users", name], true))) doc.setIn(["users", name], doc.createNode({}));
  if (change.hash !== undefined) doc.setIn(["users", name, "hash"], change.hash);
  if (change.groups !== undefined) doc.setIn(["users", name, "groups"], doc.createNode([...change.groups], { flow: true }));
  if (change.disabled === true) doc.setIn(["users", name, "disabled"], true);
  if (change.disabled === false) doc.deleteIn(["users", name, "disabled"]);
  const edited = doc.toString({ lineWidth: 0 });
  const parsed = parseUsersFile(Buffer.from(edited, "utf8"), "users file");
  const entry = "value" in parsed ? parsed.value.get(name) : undefined;
  const matches = entry !== undefined
    && (change.hash === undefined || entry.hash === change.hash)
    && (change.groups === undefined || sameList(entry.groups, change.groups))
    && (change.disabled === undefined || entry.disabled === change.disabled);
  if (!matches) {
    const why = "problems" in parsed ? `: ${parsed.problems.map((p) => p.message).join("; ")}` : "";
    throw new Error(`the edited users file would not hold user \`${name}\` as asked${why}`);
  }
  return edited;
}

/**
 * Writes `text` over the file `snapshot` was read from, atomically: checks
 * that `text` loads, writes a temporary file in the same directory (the
 * existing file's mode, else 0600), fsyncs it, and renames it over the file
 * unless the file changed since the snapshot. Resolves to the users written.
 */
export async function writeUsersFile(snapshot: UsersFileSnapshot, text: string): Promise<Users> {
  const parsed = parseUsersFile(Buffer.from(text, "utf8"), snapshot.path);
  if ("problems" in parsed) throw new LoadError(parsed.problems);
  await replaceFile(snapshot.path, Buffer.from(text, "utf8"), {
    unchanged: () => unchangedSince(snapshot),
    changed: () => new Error(`users file \`${snapshot.path}\` changed while it was being edited; run the command again`),
  });
  return parsed.value;
}

async function unchangedSince(snapshot: UsersFileSnapshot): Promise<boolean> {
  try {
    const text = await readFile(snapshot.path, "utf8");
    return snapshot.exists && text === snapshot.text;
  } catch (error) {
    if (codeOf(error) === "ENOENT") return !snapshot.exists;
    throw error;
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

