/**
 * The pure engine: parsed rights files in, a frozen `RightsIndex` out.
 * No I/O and no runtime dependencies; the loader and every surface build on it.
 */

// Compiling and deciding
export { compile, compileSteps, isGroupName } from "./compile.js";
export type { CompileOptions, GlobMatcher, Steps } from "./compile.js";
export { runSteps } from "./steps.js";
export { samePatterns } from "./update.js";
export { namedGroups, namedGroupsSteps, unnamedGroups, groupsNamedIn } from "./named-groups.js";
export { whereAmong } from "./where-among.js";
export { exclusiveHeld } from "./exclusive-held.js";

// Groups that imply groups (SPEC 1.5)
export { implications, impliesCycles, NO_IMPLICATIONS, IMPLIES_FILE } from "./implies.js";
export type { Implications } from "./implies.js";

// Effective diff between two indexes, and the risky changes in it
export { diffIndexes } from "./diff.js";
export { findRisks, RISK_RULES } from "./diff-risk.js";
export type { RiskRule, RiskOptions, Risk } from "./diff-risk.js";
export type { RightsDiff, DiffEntry, DiffCause, DiffOptions, DiffSummary, FileChange, FileChangeKind } from "./diff-types.js";

// Paths (SPEC 1.4)
export { normalizePath, formatPath, canonicalPath, MAX_PATH_BYTES } from "./path.js";

// Errors: the registry of codes, thrown classes, and the one-line problem form
export { ERROR_CODES, TreeRightsError, PathError, LoadError, formatProblem } from "./errors.js";
export type { ErrorCode } from "./errors.js";

// Data types
export { ACCESS_LEVELS } from "./types.js";
export type {
  Access, Keyword, Position, LevelRule, PatternRule, RightsFile,
  Severity, Problem, ExplainStep, Explanation, RightsIndex,
  IndexChanges, IndexedDirectory, EffectiveChange, GrantCounts, WhereRegion, WherePattern, WhereResult,
} from "./types.js";
