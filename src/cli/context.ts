/** What every command gets from `run`: the streams, and where to leave its exit code. */
import type { CliIo } from "./io.js";

/** Shared state of one `run` call. */
export interface CommandContext {
  readonly io: CliIo;
  /** Set by the command's action; `run` returns it. */
  exitCode: number;
}
