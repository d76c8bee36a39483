/** `VERSION`: the treerights package version, as reported by `/v1/status` and `/metrics`. */
import { readFileSync } from "node:fs";

function readVersion(): string {
  try {
    // Two levels up from both src/server and dist/server is the package root.
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version?: unknown };
    return typeof pkg.version === "string" ? pkg.version : "unknown";
  } catch {
    return "unknown";
  }
}

/** The package version, or `unknown` when package.json cannot be read. */
export const VERSION: string = readVersion();
