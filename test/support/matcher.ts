/** The glob matcher the loader hands to the engine, for tests that compile in memory. */
import micromatch from "micromatch";
import type { GlobMatcher } from "../../src/engine/index.js";

/** micromatch with `dot: true`, as SPEC 1.3 defines pattern rules. */
export const testMatcher: GlobMatcher = (glob) => micromatch.matcher(glob, { dot: true });
