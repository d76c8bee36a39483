/**
 * `openIdentity`: everything "who is asking" needs, built from a server
 * config: the realms in their order (plus the realm of treerights' own
 * tokens), the token issuer, the gatekeeper and the decision log.
 */
import type { FastifyBaseLogger } from "fastify";
import type { RightsIndex } from "../../engine/index.js";
import type { RealmConfig } from "../config/realm-config.js";
import type { ServerConfig } from "../config/server-config.js";
import { createApiKeysRealm } from "./api-keys/api-keys-realm.js";
import type { AuthObserver } from "./authenticator.js";
import { Authenticator } from "./authenticator.js";
import { createBasicRealm } from "./basic/basic-realm.js";
import { DecisionLog } from "./decision-log.js";
import type { DecisionLogTarget } from "./decision-log.js";
import { Gatekeeper } from "./gatekeeper.js";
import { createHeadersRealm } from "./headers-realm.js";
import type { AuthCode, Realm } from "./identity.js";
import { createOidcRealm } from "./oidc/oidc-realm.js";
import { createIssuedTokenRealm } from "./tokens/issued-token-realm.js";
import { TokenIssuer } from "./tokens/token-issuer.js";

/** The identity side of a server. */
export interface IdentityRuntime {
  readonly gatekeeper: Gatekeeper;
  readonly issuer: TokenIssuer | null;
  readonly decisionLog: DecisionLog | null;
  /** Stops every realm's file polling and key refreshes; flushes the decision log. */
  close(): Promise<void>;
}

/** Options of `openIdentity`. */
export interface OpenIdentityOptions {
  readonly log: FastifyBaseLogger;
  /** The index answering now (exclusive sets and implications are read from it). */
  readonly index: () => RightsIndex;
  /** Counts refusals (metrics). */
  readonly refused?: (realm: string | null, code: AuthCode) => void;
  /** A stream for the decision log instead of the config's file or stdout (tests). */
  readonly decisionLogStream?: { write(line: string): void };
  /** How often keys and users files are looked at, ms (tests). */
  readonly pollMs?: number;
}

// One line per peer and realm at most this often: a misconfigured proxy must not flood the log.
const UNTRUSTED_LOG_INTERVAL_MS = 60_000;
const MAX_UNTRUSTED_TRACKED = 1000;

/** Builds the realms of `config` (reading their files and first key sets) and what uses them. */
export async function openIdentity(config: ServerConfig, options: OpenIdentityOptions): Promise<IdentityRuntime> {
  const { log } = options;
  const realms: Realm[] = [];
  const issuer = config.tokens === undefined ? null : new TokenIssuer(config.tokens);
  try {
    for (const realm of config.realms) realms.push(await openRealm(realm, options));
    if (issuer !== null && config.tokens !== undefined) {
      realms.push(await createIssuedTokenRealm(config.tokens, issuer, { realmNamed: (name) => realms.find((r) => r.name === name && r.kind !== "tokens") }));
    }
  } catch (error) {
    await Promise.all(realms.map((r) => r.close()));
    throw error;
  }
  const untrustedSeen = new Map<string, number>();
  const observer: AuthObserver = {
    refused: (realm, code) => { options.refused?.(realm, code); },
    untrustedHeaders(realm, peer) {
      const key = `${realm}\0${peer}`;
      const now = Date.now();
      const last = untrustedSeen.get(key);
      if (last !== undefined && now - last < UNTRUSTED_LOG_INTERVAL_MS) return;
      if (untrustedSeen.size >= MAX_UNTRUSTED_TRACKED) untrustedSeen.clear();
      untrustedSeen.set(key, now);
      log.warn({ realm, peer }, "trusted headers from a peer outside trustedProxies ignored");
    },
  };
  const authenticator = new Authenticator(realms, observer);
  const gatekeeper = new Gatekeeper(authenticator, config.api, options.index, {
    exclusive: (identity, groups) => { log.warn({ realm: identity.realm, subject: identity.subject, groups }, "caller refused: holds exclusive groups"); },
  });
  const target = decisionLogTarget(config, options.decisionLogStream);
  const decisionLog = target === null ? null : new DecisionLog(target);
  const stopWatching = logRealmChanges(authenticator, log);
  return {
    gatekeeper,
    issuer,
    decisionLog,
    async close() {
      stopWatching();
      decisionLog?.flush();
      await authenticator.close();
    },
  };
}

// How often realm states are compared for the log: within the 2 s a keys or users edit takes to apply.
const REALM_LOG_INTERVAL_MS = 1000;

/**
 * Logs each realm that stops being able to verify (a keys or users file that
 * no longer loads, keys too stale) with its problems, and its recovery and
 * each new file revision: a revocation that did not apply must not go
 * unnoticed in the logs either.
 */
function logRealmChanges(authenticator: Authenticator, log: FastifyBaseLogger): () => void {
  const seen = new Map<string, string>();
  const look = (): void => {
    for (const status of authenticator.status()) {
      const state = `${String(status.ready)}:${status.file?.revision ?? ""}:${status.keys?.lastError ?? ""}`;
      const before = seen.get(status.name);
      seen.set(status.name, state);
      // At start, only a realm that cannot verify is worth a line.
      if (before === state || (before === undefined && status.ready)) continue;
      const problems = status.file?.problems.map((p) => `${p.file}:${String(p.line)}:${String(p.column)}: ${p.message}`) ?? [];
      if (!status.ready) log.warn({ realm: status.name, kind: status.kind, problems, keysError: status.keys?.lastError ?? undefined }, "realm cannot verify credentials: its credentials are refused (credentials_unavailable) until it can");
      else log.info({ realm: status.name, kind: status.kind, revision: status.file?.revision }, "realm reloaded");
    }
  };
  look();
  const timer = setInterval(look, REALM_LOG_INTERVAL_MS).unref();
  return () => { clearInterval(timer); };
}

function openRealm(realm: RealmConfig, options: OpenIdentityOptions): Promise<Realm> {
  const poll = options.pollMs === undefined ? {} : { pollMs: options.pollMs };
  switch (realm.kind) {
    case "oidc": return createOidcRealm(realm.name, realm.oidc, realm.mapping, { log: options.log });
    case "apiKeys": return createApiKeysRealm(realm.name, realm.apiKeys, realm.mapping, poll);
    case "basic": return createBasicRealm(realm.name, realm.basic, realm.mapping, poll);
    case "headers": return Promise.resolve(createHeadersRealm(realm.name, realm.headers, realm.mapping));
  }
}

function decisionLogTarget(config: ServerConfig, stream: { write(line: string): void } | undefined): DecisionLogTarget | null {
  if (config.decisionLog === undefined) return null;
  if (stream !== undefined) return { stream };
  if (config.decisionLog.file !== undefined) return { file: config.decisionLog.file };
  return { stdout: true };
}
