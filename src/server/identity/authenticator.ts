/**
 * `Authenticator`: who is asking (SPEC 4). Reads the one credential a
 * request presents, asks the realms that read its kind in the configured
 * order, and the first realm that recognises it decides. A credential that
 * is presented but invalid is refused at once: never a fall-through to a
 * later realm, to trusted headers or to anonymous.
 */
import type { IncomingMessage } from "node:http";
import type { HeadersRealm } from "./headers-realm.js";
import type { AuthCode, Credential, Identity, Realm, RealmStatus } from "./identity.js";
import { readCredential } from "./read-credential.js";

/** The outcome for one request. */
export type AuthResult =
  | { readonly ok: true; readonly identity: Identity }
  | { readonly ok: false; readonly code: AuthCode; readonly realm: string | null; readonly retryAfterSeconds?: number };

/** Where the authenticator reports what it saw (metrics, logs); never given a credential. */
export interface AuthObserver {
  refused(realm: string | null, code: AuthCode): void;
  /** Trusted headers arrived from a peer outside the realm's `trustedProxies`: ignored. */
  untrustedHeaders(realm: string, peer: string): void;
}

const REQUIRED: AuthResult = Object.freeze({ ok: false, code: "credential_required", realm: null });

/** Which realm kinds read which credential kind. */
const READERS: Readonly<Record<Credential["kind"], readonly Realm["kind"][]>> = Object.freeze({
  bearer: ["tokens", "oidc"],
  apiKey: ["apiKeys"],
  basic: ["basic"],
  headers: ["headers"],
});

/** The configured realms, asked in order. */
export class Authenticator {
  readonly #realms: readonly Realm[];
  readonly #byKind: ReadonlyMap<Credential["kind"], readonly Realm[]>;
  readonly #headers: readonly HeadersRealm[];
  readonly #observer: AuthObserver;

  /** `realms` in the configured order; an issued-token realm, when tokens are configured, may stand anywhere (it reads only its issuer's tokens). */
  constructor(realms: readonly Realm[], observer: AuthObserver) {
    this.#realms = realms;
    this.#observer = observer;
    const byKind = new Map<Credential["kind"], Realm[]>();
    for (const [kind, readers] of Object.entries(READERS) as [Credential["kind"], readonly Realm["kind"][]][]) {
      // Issued tokens first: they are recognised by their own issuer, never another realm's.
      byKind.set(kind, readers.flatMap((r) => realms.filter((realm) => realm.kind === r)).sort((a, b) => order(a, realms) - order(b, realms)));
    }
    this.#byKind = byKind;
    this.#headers = realms.filter((r): r is HeadersRealm => r.kind === "headers");
  }

  /** True when any realm is configured (without realms, no route can require a credential). */
  get configured(): boolean {
    return this.#realms.length > 0;
  }

  /** The realms, in order. */
  get realms(): readonly Realm[] {
    return this.#realms;
  }

  /** The realm named `name`. */
  realmNamed(name: string): Realm | undefined {
    return this.#realms.find((r) => r.name === name);
  }

  /** Who is asking in `raw` (whose TCP peer is `peer`). */
  async authenticate(raw: IncomingMessage, peer: string): Promise<AuthResult> {
    const presented = readCredential(raw);
    if (presented.kind === "refused") return this.#refuse(null, presented.code);
    if (presented.kind === "credential") return this.#verify(presented.credential, peer);
    for (const realm of this.#headers) {
      const answer = realm.assert(raw, peer);
      if (answer === null) continue;
      if (answer === "untrusted") {
        this.#observer.untrustedHeaders(realm.name, peer);
        continue;
      }
      if (answer.kind === "identity") return { ok: true, identity: answer.identity };
      return this.#refuse(realm.name, answer.code);
    }
    this.#observer.refused(null, "credential_required");
    return REQUIRED;
  }

  async #verify(credential: Credential, peer: string): Promise<AuthResult> {
    for (const realm of this.#byKind.get(credential.kind) ?? []) {
      let answer;
      try {
        answer = await realm.authenticate(credential, { peer });
      } catch {
        // A realm's own fault fails closed, as the realm being unable to tell.
        return this.#refuse(realm.name, "credentials_unavailable");
      }
      if (answer === null) continue;
      if (answer.kind === "identity") return { ok: true, identity: answer.identity };
      return this.#refuse(realm.name, answer.code, answer.retryAfterSeconds);
    }
    return this.#refuse(null, "credential_invalid");
  }

  #refuse(realm: string | null, code: AuthCode, retryAfterSeconds?: number): AuthResult {
    this.#observer.refused(realm, code);
    return { ok: false, code, realm, ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }) };
  }

  /** Every realm's status, in order. */
  status(): RealmStatus[] {
    return this.#realms.map((r) => r.status());
  }

  /** Names of realms that cannot verify anything now (readiness is false while there is one). */
  unready(): string[] {
    return this.status().filter((s) => !s.ready).map((s) => s.name);
  }

  /** The `WWW-Authenticate` value of a 401: one challenge per scheme the realms read. */
  challenge(): string {
    const challenges: string[] = [];
    const named = (kind: Realm["kind"]): Realm | undefined => this.#realms.find((r) => r.kind === kind);
    const bearer = named("oidc") ?? named("apiKeys") ?? named("tokens");
    if (bearer !== undefined) challenges.push(`Bearer realm="${bearer.name}"`);
    const basic = named("basic");
    if (basic !== undefined) challenges.push(`Basic realm="${basic.name}", charset="UTF-8"`);
    return challenges.length > 0 ? challenges.join(", ") : 'Bearer realm="treerights"';
  }

  /** Closes every realm. */
  async close(): Promise<void> {
    await Promise.all(this.#realms.map((r) => r.close()));
  }
}

// Issued tokens sort before every configured realm; the rest keep the configured order.
function order(realm: Realm, realms: readonly Realm[]): number {
  return realm.kind === "tokens" ? -1 : realms.indexOf(realm);
}
