/** Temp directories and realms a test file makes, removed and closed after each test. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach } from "vitest";
import type { Realm } from "../../src/server/identity/identity.js";

/** Registers the `afterEach` that cleans up; `tempDir` makes a directory, `keep` a realm to close. */
export function scratch(prefix: string): { readonly tempDir: () => Promise<string>; readonly keep: <R extends Realm>(realm: R) => R } {
  const dirs: string[] = [];
  const realms: Realm[] = [];
  afterEach(async () => {
    await Promise.all(realms.splice(0).map((r) => r.close()));
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  return {
    tempDir: async () => {
      const dir = await mkdtemp(join(tmpdir(), `treerights-${prefix}-`));
      dirs.push(dir);
      return dir;
    },
    keep: (realm) => {
      realms.push(realm);
      return realm;
    },
  };
}
