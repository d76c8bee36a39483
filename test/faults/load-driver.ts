/**
 * The load of the fault suite: a few concurrent checkers asking questions of a
 * live tree (in process or over HTTP) and recording each answer with the
 * revision that gave it, bounded in count and time.
 */
import type { TreeHandle } from "../../src/loader/index.js";
import type { Answer, Question } from "./judge.js";

/** Asks one question and says which revision answered. */
export type Asker = (question: Question) => Promise<Answer>;

/** Asks the handle in process: reads `handle.index` once, so the revision recorded is the one that decided. */
export function askHandle(handle: TreeHandle): Asker {
  return (question) => {
    const index = handle.index;
    return Promise.resolve({ question, revision: index.revision, allowed: index.check(question.groups, question.access, question.path) });
  };
}

/** Asks a server over a real socket: `POST /v1/check` answers `{"allowed","revision"}`. */
export function askHttp(url: string): Asker {
  return async (question) => {
    const res = await fetch(`${url}/v1/check`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(question),
    });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`POST /v1/check answered ${res.status}: ${text}`);
    const body = JSON.parse(text) as { allowed: boolean; revision: string };
    return { question, revision: body.revision, allowed: body.allowed };
  };
}

/** Bounds of a load. */
export interface LoadOptions {
  /** Concurrent checkers (default 4). */
  readonly checkers?: number;
  /** Checkers stop by themselves after this long, in ms (default 90 s). */
  readonly maxMs?: number;
  /** Checkers stop by themselves after this many answers in all (default 500,000). */
  readonly maxAnswers?: number;
  /**
   * `gentle` (default): each checker waits a timer turn between questions.
   * `busy`: only an immediate turn, so the checkers keep this thread as busy
   * as a loaded server is, and the reload competes with them for it.
   */
  readonly pace?: "gentle" | "busy";
}

/** What a load recorded. */
export interface LoadRecord {
  readonly answers: readonly Answer[];
  /** What askers threw (an HTTP error, say): a fault of its own. */
  readonly errors: readonly string[];
}

/** A running load. */
export interface Load {
  /** Answers so far (for waiting until some were given). */
  readonly count: number;
  /** Stops the checkers and resolves once each has finished its question. */
  stop(): Promise<LoadRecord>;
}

/** Starts `checkers` loops asking `questions` in turn, each from its own place in the list. */
export function startLoad(asker: Asker, questions: readonly Question[], options: LoadOptions = {}): Load {
  if (questions.length === 0) throw new Error("a load needs questions");
  const checkers = options.checkers ?? 4;
  const deadline = performance.now() + (options.maxMs ?? 90_000);
  const maxAnswers = options.maxAnswers ?? 500_000;
  const turn = options.pace === "busy"
    ? () => new Promise((resolve) => setImmediate(resolve))
    : () => new Promise((resolve) => setTimeout(resolve, 0));
  const answers: Answer[] = [];
  const errors: string[] = [];
  let running = true;
  const checker = async (w: number): Promise<void> => {
    for (let n = 0; running && answers.length < maxAnswers && performance.now() < deadline; n++) {
      const question = questions[(w * 7919 + n * 31) % questions.length]!;
      try {
        answers.push(await asker(question));
      } catch (err) {
        errors.push(err instanceof Error ? err.message : String(err));
        if (errors.length > 10) return;
      }
      // An in-process answer is synchronous: leave the reload its turns of the event loop.
      await turn();
    }
  };
  const loops = Array.from({ length: checkers }, (_, w) => checker(w));
  return {
    get count() {
      return answers.length;
    },
    async stop() {
      running = false;
      await Promise.all(loops);
      return { answers, errors };
    },
  };
}
