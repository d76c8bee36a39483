/** The CLI's exit codes: stable, documented in `treerights --help`. */

/** Done; for `check` and `explain`, allowed. */
export const EXIT_OK = 0;
/** `lint` found at least one error. */
export const EXIT_LINT_ERRORS = 1;
/** Misuse or failure: bad options, a tree that does not load, a bad path. */
export const EXIT_ERROR = 2;
/** `check` and `explain`: denied. */
export const EXIT_DENIED = 3;
