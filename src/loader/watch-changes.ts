/** Which rights files a reload changed, from per-file fingerprints of two snapshots. */
import type { RightsFile } from "../engine/index.js";

/** What `fileFingerprints` needs of a snapshot. */
export interface FingerprintInput {
  readonly files: readonly RightsFile[];
  /** Every rights file of the tree, relative to the root. */
  readonly rightsPaths: readonly string[];
}

/**
 * A fingerprint per rights file: relative path → its parsed content as JSON,
 * positions included. Plain JSON rather than a hash: comparing strings is
 * cheaper than hashing them, and rights files are small.
 */
export function fileFingerprints(snapshot: FingerprintInput): ReadonlyMap<string, string> {
  const prints = new Map<string, string>();
  for (const file of snapshot.files) prints.set(relativeName(file), JSON.stringify(file));
  // A path listed without parsed content still counts, so adding or removing it is a change.
  for (const rel of snapshot.rightsPaths) if (!prints.has(rel)) prints.set(rel, "");
  return prints;
}

/** Rights files added, changed or removed between two fingerprint maps, sorted. */
export function changedFiles(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  const changed: string[] = [];
  for (const [rel, print] of after) if (before.get(rel) !== print) changed.push(rel);
  for (const rel of before.keys()) if (!after.has(rel)) changed.push(rel);
  return changed.sort();
}

function relativeName(file: RightsFile): string {
  if (file.file !== undefined) return file.file;
  const dir = file.dir.split("/").filter((s) => s !== "" && s !== ".").join("/");
  return dir === "" ? "access.rights" : `${dir}/access.rights`;
}
