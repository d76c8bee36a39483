/**
 * The decision log (opt-in; SPEC 4 `decisionLog`): one pino JSON line per
 * decision made for a caller, with `time, realm, subject, access, path,
 * allowed, revision, file, line`. It never sees a credential or a token:
 * only the identity a realm made. Off, nothing is built and nothing runs.
 */
import { pino } from "pino";
import type { Access, RightsIndex } from "../../engine/index.js";

/** One decision to log. */
export interface LoggedDecision {
  readonly realm: string | null;
  readonly subject: string | null;
  readonly groups: readonly string[];
  readonly access: Access;
  readonly path: string;
  readonly allowed: boolean;
}

/** Where the lines go: a file (appended, created 0600) or standard output; or any stream (tests). */
export type DecisionLogTarget = { readonly file: string } | { readonly stdout: true } | { readonly stream: { write(line: string): void } };

/** Writes decision lines. */
export class DecisionLog {
  readonly #out: { write(line: string): unknown; flush?: () => void };

  constructor(target: DecisionLogTarget) {
    // pino's buffered destination (sonic-boom); the lines are written whole, without pino's level and bindings.
    this.#out = "stream" in target ? target.stream
      : "file" in target ? pino.destination({ dest: target.file, append: true, mkdir: true, sync: false, mode: 0o600 })
        : pino.destination({ dest: 1, sync: false });
  }

  /** Logs `decision` as decided by `index`, naming the rights file and line that decided it. */
  decided(index: RightsIndex, decision: LoggedDecision): void {
    const { file, line } = decidingPlace(index, decision);
    this.#out.write(`${JSON.stringify({
      time: new Date().toISOString(), realm: decision.realm, subject: decision.subject, access: decision.access, path: decision.path,
      allowed: decision.allowed, revision: index.revision, file, line,
    })}\n`);
  }

  /** Writes what is buffered. */
  flush(): void {
    this.#out.flush?.();
  }
}

/**
 * The rights file (and line) whose rule last changed whether the caller's
 * groups hold the level: the step where holding flipped for the last time.
 * Null when no step ever granted it (denied by default).
 */
export function decidingPlace(index: RightsIndex, decision: LoggedDecision): { file: string | null; line: number | null } {
  let explanation;
  try {
    explanation = index.explain(decision.groups, decision.access, decision.path);
  } catch {
    return { file: null, line: null };
  }
  const held = new Set(index.implications.expand(decision.groups));
  const holds = (set: readonly string[]): boolean => set.some((g) => held.has(g));
  let place: { file: string | null; line: number | null } = { file: null, line: null };
  for (const step of explanation.steps) {
    if (holds(step.before) !== holds(step.after) || (step.keywords.includes("override") && holds(step.after))) {
      place = { file: step.file, line: step.at?.line ?? null };
    }
  }
  return place;
}
