/**
 * The page's only way to the server: typed calls to the public HTTP API.
 * A credential entered in the page lives in this module's memory only (never
 * localStorage, never the URL) and is sent as `Authorization` on every call.
 */
import type { Access, BatchAnswer, ChangesAnswer, DiffAnswer, ExplainAnswer, FileAnswer, GroupsAnswer, Status, TreeAnswer, WhereAnswer } from "./types.js";

export type Credential =
  | { readonly kind: "bearer"; readonly token: string }
  | { readonly kind: "apikey"; readonly key: string }
  | { readonly kind: "basic"; readonly user: string; readonly password: string };

/** One question the page asks: enough to show it as a curl command. */
export interface Question {
  readonly method: "GET" | "POST";
  /** Path and query, `/v1/where?group=a&access=READ`. */
  readonly url: string;
  readonly body?: unknown;
}

/** A refused or failed call: the HTTP status (0 when the server could not be reached) and the API's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly question: Question,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** 401 or 403: a credential is needed, or the one given is not enough. */
  get refused(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

let credential: Credential | null = null;
const refusedListeners = new Set<(error: ApiError) => void>();
const errorListeners = new Set<(error: ApiError | null) => void>();

export function setCredential(next: Credential | null): void {
  credential = next;
}

export function hasCredential(): boolean {
  return credential !== null;
}

/** Called with every 401/403 the page gets. */
export function onRefused(listener: (error: ApiError) => void): () => void {
  refusedListeners.add(listener);
  return () => refusedListeners.delete(listener);
}

/** Called with each failed call, and with null after a call succeeds. */
export function onCallResult(listener: (error: ApiError | null) => void): () => void {
  errorListeners.add(listener);
  return () => errorListeners.delete(listener);
}

/** The `Authorization` value for a credential. An API key goes as `Bearer trk_…`, which the apiKeys realms read. */
export function authorization(c: Credential): string {
  switch (c.kind) {
    case "bearer":
      return `Bearer ${c.token.trim()}`;
    case "apikey":
      return `Bearer ${c.key.trim()}`;
    case "basic":
      return `Basic ${base64(`${c.user}:${c.password}`)}`;
  }
}

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

function query(params: Record<string, string | readonly string[] | number | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === "object") for (const v of value) search.append(key, v);
    else search.append(key, String(value));
  }
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}

async function call<T>(question: Question, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (question.body !== undefined) headers["content-type"] = "application/json";
  if (credential !== null) headers.authorization = authorization(credential);
  let response: Response;
  try {
    response = await fetch(question.url, {
      method: question.method,
      headers,
      ...(question.body === undefined ? {} : { body: JSON.stringify(question.body) }),
      ...(signal === undefined ? {} : { signal }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch (cause) {
    if (signal?.aborted === true) throw cause;
    const error = new ApiError(0, "unreachable", `the server could not be reached (${String(cause)})`, question);
    for (const l of errorListeners) l(error);
    throw error;
  }
  const text = await response.text();
  let json: unknown = undefined;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    // not JSON: reported below when the status is an error, else a bad answer
  }
  if (!response.ok) {
    const body = json as { error?: { code?: string; message?: string } } | undefined;
    const code = body?.error?.code ?? `http_${response.status}`;
    const message = body?.error?.message ?? `${response.status} ${response.statusText}`;
    const error = new ApiError(response.status, code, message, question);
    if (error.refused) for (const l of refusedListeners) l(error);
    for (const l of errorListeners) l(error);
    throw error;
  }
  if (json === undefined) {
    const error = new ApiError(response.status, "bad_answer", "the server's answer is not JSON", question);
    for (const l of errorListeners) l(error);
    throw error;
  }
  for (const l of errorListeners) l(null);
  return json as T;
}

/** Every question the page asks, as a Question (for curl) and a typed call. */
export const questions = {
  status: (): Question => ({ method: "GET", url: "/v1/status" }),
  tree: (path: string, depth = 1): Question => ({ method: "GET", url: `/v1/tree${query({ path, depth })}` }),
  file: (path: string): Question => ({ method: "GET", url: `/v1/file${query({ path })}` }),
  where: (group: string, access: Access): Question => ({ method: "GET", url: `/v1/where${query({ group, access })}` }),
  groups: (access: Access, path: string): Question => ({ method: "GET", url: `/v1/groups${query({ access, path })}` }),
  explain: (groups: readonly string[], access: Access, path: string): Question => ({ method: "POST", url: "/v1/explain", body: { groups, access, path } }),
  batch: (checks: readonly { groups: readonly string[]; access: Access; path: string }[]): Question => ({ method: "POST", url: "/v1/check/batch", body: { checks } }),
  changes: (since: string): Question => ({ method: "GET", url: `/v1/changes${query({ since })}` }),
  diff: (from: string, to: string): Question => ({ method: "GET", url: `/v1/diff${query({ from, to })}` }),
};

export const api = {
  status: (signal?: AbortSignal) => call<Status>(questions.status(), signal),
  tree: (path: string) => call<TreeAnswer>(questions.tree(path)),
  file: (path: string) => call<FileAnswer>(questions.file(path)),
  where: (group: string, access: Access) => call<WhereAnswer>(questions.where(group, access)),
  groups: (access: Access, path: string) => call<GroupsAnswer>(questions.groups(access, path)),
  explain: (groups: readonly string[], access: Access, path: string) => call<ExplainAnswer>(questions.explain(groups, access, path)),
  batch: (checks: readonly { groups: readonly string[]; access: Access; path: string }[]) => call<BatchAnswer>(questions.batch(checks)),
  changes: (since: string) => call<ChangesAnswer>(questions.changes(since)),
  diff: (from: string, to: string) => call<DiffAnswer>(questions.diff(from, to)),
};

/**
 * A question as a curl command against this page's origin. The credential is
 * never written out: `$TREERIGHTS_AUTH` stands for the Authorization value.
 */
export function curl(question: Question, origin: string = location.origin): string {
  const parts = ["curl -s"];
  if (question.method !== "GET") parts.push(`-X ${question.method}`);
  parts.push(shellQuote(origin + question.url));
  if (credential !== null) parts.push(`-H "Authorization: $TREERIGHTS_AUTH"`);
  if (question.body !== undefined) parts.push("-H 'content-type: application/json'", `-d ${shellQuote(JSON.stringify(question.body))}`);
  return parts.join(" ");
}

export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}
