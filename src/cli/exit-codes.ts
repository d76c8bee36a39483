/**
 * The CLI's exit codes: stable, documented in `treerights --help` and in the
 * help of each command they apply to (a test keeps them in step).
 */

/** Done; for `check` and `explain`, allowed; for `diff`, no effective change. */
export const EXIT_OK = 0;
/** `serve`: shutting down after SIGTERM or SIGINT failed or timed out (exited by the server's signal handlers). */
export const EXIT_SHUTDOWN_FAILED = 1;
/** `lint` found at least one error. */
export const EXIT_LINT_ERRORS = 1;
/** `diff`: some effective right changed. */
export const EXIT_CHANGED = 1;
/** Misuse or failure: bad options, a tree that does not load, a bad path, a port in use. */
export const EXIT_ERROR = 2;
/** `check` and `explain`: denied. */
export const EXIT_DENIED = 3;
/** `diff --fail-on`: a change a check flags as risky. */
export const EXIT_RISKY = 4;
