/**
 * `realmFileProblems`: what `config check` finds in the files a server
 * config's realms read (keys files, users files, local JWKS files): the
 * problems that would make the realm refuse every credential once serving.
 */
import { readFile } from "node:fs/promises";
import type { Problem } from "../../engine/index.js";
import type { ServerConfig } from "../config/server-config.js";
import { parseKeysFile } from "./api-keys/keys-file.js";
import { parseUsersFile } from "./basic/users-file.js";
import type { ParseResult } from "./files/watched-file.js";

/** Every problem of every keys, users or local JWKS file `config` names. */
export async function realmFileProblems(config: ServerConfig): Promise<Problem[]> {
  const problems: Problem[] = [];
  for (const realm of config.realms) {
    if (realm.kind === "apiKeys") problems.push(...(await fileProblems(realm.apiKeys.file, parseKeysFile)));
    else if (realm.kind === "basic") problems.push(...(await fileProblems(realm.basic.file, parseUsersFile)));
    else if (realm.kind === "oidc" && realm.oidc.keysFile !== undefined) problems.push(...(await fileProblems(realm.oidc.keysFile, parseJwks)));
  }
  return problems;
}

async function fileProblems(path: string, parse: (bytes: Uint8Array, file: string) => ParseResult<unknown>): Promise<readonly Problem[]> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
    return [{ code: "file_unreadable", severity: "error", file: path, line: 0, column: 0, message: code === "ENOENT" ? "the file does not exist" : `the file cannot be read (${code})` }];
  }
  const parsed = parse(bytes, path);
  return "problems" in parsed ? parsed.problems : [];
}

function parseJwks(bytes: Uint8Array, file: string): ParseResult<unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(bytes).toString("utf8"));
    if (typeof value === "object" && value !== null && Array.isArray((value as { keys?: unknown }).keys)) return { value };
  } catch {
    // reported below
  }
  return { problems: [{ code: "file_unreadable", severity: "error", file, line: 0, column: 0, message: "the file is not a JWKS (JSON with a `keys` list)" }] };
}
