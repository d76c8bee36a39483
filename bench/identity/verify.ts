/**
 * First sight of a JWT, in this process: the OIDC realm's `authenticate`
 * (`createOidcRealm` over a local JWKS file, `tokenCacheSize: 0`), so that
 * every call decodes, checks the issuer, verifies the signature with jose and
 * reads the claims, as the first request presenting a token does.
 */
import type { Realm } from "../../src/server/identity/identity.js";
import { createOidcRealm } from "../../src/server/identity/oidc/oidc-realm.js";
import type { OidcRealmConfig } from "../../src/server/config/realm-config.js";
import { AUDIENCE, ISSUER } from "./fixtures.js";
import type { Signer } from "./fixtures.js";

/** One timed run of verifies. */
export interface VerifyRound {
  readonly verifiesPerSec: number;
  readonly microsPerVerify: number;
  /** Process CPU time per verify, µs (the wall figure is larger when the machine is busy). */
  readonly cpuMicrosPerVerify: number;
}

/** An OIDC realm config as `loadServerConfig` resolves one with its defaults, but caching no token. */
function realmConfig(signer: Signer): OidcRealmConfig {
  return {
    issuer: ISSUER, audience: [AUDIENCE], algorithms: [signer.alg], keysFile: signer.jwksFile,
    groupsClaim: ["groups"], subjectClaim: "sub", requireGroups: true, clockSkewMs: 30_000,
    jwksCooldownMs: 30_000, jwksMaxStaleMs: 3_600_000, jwksRefreshMs: 300_000, jwksTimeoutMs: 5_000,
    maxTokenBytes: 8192, tokenCacheSize: 0,
  };
}

/** A realm that verifies every token it sees, and `count` distinct tokens (own `jti` each) for `groups`. */
export async function verifier(signer: Signer, groups: readonly string[], count: number): Promise<{ realm: Realm; tokens: string[] }> {
  const realm = await createOidcRealm(`bench-${signer.alg}`, realmConfig(signer), undefined);
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push(await signer.mint(groups));
  for (const token of tokens.slice(0, 4)) {
    const answer = await realm.authenticate({ kind: "bearer", token }, { peer: "127.0.0.1" });
    if (answer?.kind !== "identity" || answer.identity.groups.join() !== groups.join()) {
      throw new Error(`the ${signer.alg} realm answered ${JSON.stringify(answer)} for a valid token`);
    }
  }
  return { realm, tokens };
}

/** Verifies the tokens in turn for `durationMs` (one at a time, awaited); a refusal fails the run. */
export async function verifyRound(realm: Realm, tokens: readonly string[], durationMs: number): Promise<VerifyRound> {
  let n = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < durationMs) {
    for (let i = 0; i < 16; i++) {
      const answer = await realm.authenticate({ kind: "bearer", token: tokens[n % tokens.length] as string }, { peer: "127.0.0.1" });
      if (answer?.kind !== "identity") throw new Error(`${realm.name}: a valid token was refused: ${JSON.stringify(answer)}`);
      n++;
    }
    elapsed = performance.now() - t0;
  }
  const cpu = process.cpuUsage(cpu0);
  return { verifiesPerSec: (n * 1000) / elapsed, microsPerVerify: (elapsed * 1000) / n, cpuMicrosPerVerify: (cpu.user + cpu.system) / n };
}
