/**
 * Generated trees on disk, kept between runs: a 1,000,000-directory tree
 * takes a minute or more to write, so the scaling and memory benches write
 * each tree once under a cache directory (bench/.out/trees by default) and
 * reuse it while its fingerprint (every directory and rights file of the
 * seeded spec) still matches.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { rightsYaml } from "../workload.js";
import type { TreeSpec } from "../workload.js";

/** A tree ready on disk. */
export interface CachedTree {
  readonly dir: string;
  readonly reused: boolean;
  /** Time spent writing it in this run (0 when reused). */
  readonly writeMs: number;
}

/** What the marker next to a cached tree records. */
interface Marker {
  readonly dirs: number;
  readonly files: number;
  readonly fingerprint: string;
}

/** SHA-256 over every directory path and every rights file's YAML. */
export function fingerprint(spec: TreeSpec): string {
  const hash = createHash("sha256");
  for (const d of spec.dirs) hash.update(`${d}\n`);
  spec.files.forEach((file, i) => hash.update(`${spec.fileDirs[i] as number}\n${rightsYaml(file)}\n`));
  return hash.digest("hex");
}

/**
 * The tree of `spec` under `cacheDir`, written if missing or stale. Writing
 * gives up (and removes the partial tree) after `maxWriteMs`, throwing.
 */
export function ensureTree(spec: TreeSpec, cacheDir: string, maxWriteMs: number): CachedTree {
  const name = `dirs-${spec.options.dirs}-seed-${spec.options.seed}`;
  const dir = join(cacheDir, name);
  const markerFile = join(cacheDir, `${name}.json`);
  const wanted: Marker = { dirs: spec.dirs.length, files: spec.files.length, fingerprint: fingerprint(spec) };
  if (existsSync(markerFile) && existsSync(dir)) {
    const found = JSON.parse(readFileSync(markerFile, "utf8")) as Marker;
    if (found.fingerprint === wanted.fingerprint) return { dir, reused: true, writeMs: 0 };
  }
  rmSync(markerFile, { force: true });
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const t0 = performance.now();
  try {
    // writeTree's steps, with a clock: parents before children, then the files.
    for (let i = 1; i < spec.dirs.length; i++) {
      mkdirSync(join(dir, spec.dirs[i] as string));
      if ((i & 1023) === 0 && performance.now() - t0 > maxWriteMs) throw new Error(`writing ${spec.dirs.length} directories took over ${Math.round(maxWriteMs / 1000)} s (${i} written)`);
    }
    spec.files.forEach((file, i) => {
      writeFileSync(join(dir, spec.dirs[spec.fileDirs[i] as number] as string, "access.rights"), rightsYaml(file));
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  writeFileSync(markerFile, `${JSON.stringify(wanted)}\n`);
  return { dir, reused: false, writeMs: performance.now() - t0 };
}
