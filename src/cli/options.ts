/** Option parsers and option definitions shared by several commands. */
import { InvalidArgumentError, Option } from "commander";
import type { Access } from "../engine/index.js";

/** Commander collector for a repeatable option: `--group a --group b` → `["a", "b"]`. */
export function collect(value: string, previous: readonly string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Parses one `--group`: any non-empty name, as HTTP accepts. */
export function parseGroup(value: string): string {
  if (value === "") throw new InvalidArgumentError("group must not be empty");
  return value;
}

/** Commander collector for `--group`, repeatable: each value is checked by `parseGroup`. */
export function collectGroups(value: string, previous: readonly string[] | undefined): string[] {
  return collect(parseGroup(value), previous);
}

/** Parses `--access`: exactly `READ` or `WRITE`, as SPEC spells them. */
export function parseAccess(value: string): Access {
  if (value === "READ" || value === "WRITE") return value;
  const upper = value.toUpperCase();
  const hint = upper === "READ" || upper === "WRITE" ? ` (did you mean \`${upper}\`?)` : "";
  throw new InvalidArgumentError(`access must be \`READ\` or \`WRITE\`${hint}`);
}

/** Parses `--port`: an integer from 0 (any free port) to 65535. */
export function parsePort(value: string): number {
  const port = /^\d{1,5}$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new InvalidArgumentError("port must be an integer from 0 to 65535");
  }
  return port;
}

/** `--access READ|WRITE`, required. */
export function accessOption(): Option {
  return new Option("--access <level>", "access level: READ or WRITE")
    .argParser(parseAccess)
    .makeOptionMandatory();
}

/** `--group <group>`, repeatable, at least once. */
export function groupOption(): Option {
  return new Option("--group <group>", "a group the caller holds (repeat for several)")
    .argParser(collectGroups)
    .makeOptionMandatory();
}

/** `--ignore <glob>`, repeatable: extra micromatch globs of paths never read. */
export function ignoreOption(): Option {
  return new Option("--ignore <glob>", "skip paths matching this glob, relative to the tree (repeatable)")
    .argParser(collect);
}

/** `--json`: machine-readable output. */
export function jsonOption(): Option {
  return new Option("--json", "print JSON instead of text");
}

/** The `ignore` load option, present only when globs were given (exactOptionalPropertyTypes). */
export function loadOptions(ignore: readonly string[] | undefined): { ignore?: readonly string[] } {
  return ignore === undefined ? {} : { ignore };
}
