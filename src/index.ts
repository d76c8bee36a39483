/**
 * treerights: may a holder of these groups READ or WRITE this path?
 * The library surface: the engine and the loader. `treerights/engine` is the
 * pure engine alone; the HTTP service is `treerights/server`, kept apart so
 * that a gateway deciding in-process never loads fastify, ajv's HTTP
 * validators, prom-client or the cluster code.
 */

// Loading trees from disk: one-shot, linted, or live with hot reload
export { loadTree, lintTree, openTree, readTree, readGitTree, readGitTrees, RIGHTS_FILE, CONFIG_FILE, globMatcher } from "./loader/index.js";
export type {
  LintOptions, TreeConfig,
  GitTreeOptions, GitTreeSnapshot,
  LoadOptions, LintResult, OpenOptions, RejectedLoad, WatchStatus,
  TreeStatus, ReloadEvent, TreeEvents, TreeHandle, TreeSnapshot, ReloadRecord, RevisionChanges,
} from "./loader/index.js";

// The pure engine: compile parsed files, decide, explain, list holders
export { compile, compileSteps, runSteps, normalizePath, formatPath, canonicalPath, ACCESS_LEVELS } from "./engine/index.js";
export type {
  Access, Keyword, Position, LevelRule, PatternRule, RightsFile,
  Explanation, ExplainStep, RightsIndex, CompileOptions, GlobMatcher, Steps,
  IndexChanges, IndexedDirectory, EffectiveChange, GrantCounts, WhereRegion, WherePattern, WhereResult,
} from "./engine/index.js";

// Effective diff between two trees, and risky changes
export { diffIndexes, findRisks, RISK_RULES } from "./engine/index.js";
export type {
  RightsDiff, DiffEntry, DiffCause, DiffOptions, DiffSummary, FileChange, FileChangeKind,
  Risk, RiskRule, RiskOptions,
} from "./engine/index.js";

// Errors: stable codes, thrown classes, problems as data
export { ERROR_CODES, TreeRightsError, PathError, LoadError, formatProblem } from "./engine/index.js";
export type { ErrorCode, Problem, Severity } from "./engine/index.js";
