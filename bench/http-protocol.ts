/** What `bench/http.ts` and its server processes (`bench/http-server.ts`) say to each other over IPC. */

/** What the child tells the parent once listening. */
export interface ReadyMessage {
  readonly type: "ready";
  readonly port: number;
  readonly revision: string | null;
}

/** Messages the parent sends. */
export type ParentMessage =
  | { readonly type: "cpu"; readonly id: number }
  | { readonly type: "inject"; readonly id: number; readonly url: string; readonly bodies: readonly string[]; readonly samples: number }
  | { readonly type: "close"; readonly id: number };

/** Answers to `ParentMessage`s, matched by `id`. */
export type ReplyMessage =
  | { readonly type: "cpu"; readonly id: number; readonly micros: number; readonly threads: Readonly<Record<string, number>> }
  | { readonly type: "inject"; readonly id: number; readonly ms: readonly number[] }
  | { readonly type: "closed"; readonly id: number };

/** The constant the bare route answers: the shape and size of a real check answer. */
export const BARE_ANSWER = Object.freeze({ allowed: true, revision: "0123456789abcdef0123456789abcdef01234567" });
