/**
 * What `bench/identity.ts` serves and presents, written to a temporary
 * directory: a JWKS file per algorithm (ES256, RS256) with tokens minted by
 * jose, a keys file with one API key, a users file with one scrypt-hashed
 * user, and the server configs:
 *
 * - `open.yaml`: realms `oidc` (ES256, local JWKS), `machines` (API keys)
 *   and `local` (Basic, success cache at its defaults); nothing protected;
 * - `protected.yaml`: the same realms, `api.decisions` set (the benched
 *   identity's group may call);
 * - `uncached.yaml`: the Basic realm alone with `cacheSize: 0`.
 *
 * Every credential stands for the same groups, so that every scenario
 * decides the same questions.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { generateApiKey } from "../../src/server/identity/api-keys/api-key.js";
import { serializeKeysFile } from "../../src/server/identity/api-keys/keys-file.js";
import { hashPassword } from "../../src/server/identity/basic/password-hash.js";

export const ISSUER = "https://sso.bench.invalid/realms/plant";
export const AUDIENCE = "treerights";
export const USER = "bench-user";
export const PASSWORD = "correct horse battery staple";

/** A signing key of one algorithm, its JWKS file, and a minting function. */
export interface Signer {
  readonly alg: "ES256" | "RS256";
  readonly jwksFile: string;
  /** A fresh token (its own `jti`) for `groups`, valid for two hours. */
  mint(groups: readonly string[]): Promise<string>;
}

/** Everything the scenarios need. */
export interface Fixtures {
  readonly es256: Signer;
  readonly rs256: Signer;
  /** The one ES256 token every request of the cached-JWT scenario presents. */
  readonly token: string;
  readonly apiKey: string;
  /** `Basic <base64(user:password)>`. */
  readonly basic: string;
  readonly configs: { readonly open: string; readonly protected: string; readonly uncached: string };
}

async function signer(dir: string, alg: "ES256" | "RS256"): Promise<Signer> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true, ...(alg === "RS256" ? { modulusLength: 2048 } : {}) });
  const kid = `bench-${alg.toLowerCase()}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  const jwksFile = join(dir, `jwks-${alg.toLowerCase()}.json`);
  writeFileSync(jwksFile, `${JSON.stringify({ keys: [jwk] })}\n`);
  let n = 0;
  return {
    alg,
    jwksFile,
    mint: (groups) => new SignJWT({ groups: [...groups] })
      .setProtectedHeader({ alg, kid, typ: "at+jwt" })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject("bench-subject")
      .setJti(`bench-${alg}-${n++}`)
      .setIssuedAt()
      .setExpirationTime("2h")
      .sign(privateKey),
  };
}

/** Writes the fixtures into `dir` (the tree is at `treeDir`); `groups` are the groups every credential stands for. */
export async function writeFixtures(dir: string, treeDir: string, groups: readonly string[]): Promise<Fixtures> {
  const es256 = await signer(dir, "ES256");
  const rs256 = await signer(dir, "RS256");
  const token = await es256.mint(groups);

  const key = generateApiKey();
  writeFileSync(join(dir, "keys.yaml"), serializeKeysFile([{ id: key.id, hash: key.hash, owner: "bench-service", groups }]), { mode: 0o600 });
  const users = `users:\n  ${USER}:\n    hash: ${await hashPassword(PASSWORD)}\n    groups: ${JSON.stringify(groups)}\n`;
  writeFileSync(join(dir, "users.yaml"), users, { mode: 0o600 });

  const oidc = `  - name: sso\n    oidc: { issuer: ${JSON.stringify(ISSUER)}, audience: ${AUDIENCE}, algorithms: [ES256], keys: ${JSON.stringify(es256.jwksFile)} }\n`;
  const machines = "  - name: machines\n    apiKeys: { file: keys.yaml }\n";
  const local = "  - name: local\n    basic: { file: users.yaml }\n";
  const tree = `tree: ${JSON.stringify(treeDir)}\n`;
  const configs = {
    open: join(dir, "open.yaml"),
    protected: join(dir, "protected.yaml"),
    uncached: join(dir, "uncached.yaml"),
  };
  writeFileSync(configs.open, `${tree}realms:\n${oidc}${machines}${local}`);
  writeFileSync(configs.protected, `${tree}realms:\n${oidc}${machines}${local}api:\n  decisions: { groups: ${JSON.stringify([groups[0]])} }\n`);
  writeFileSync(configs.uncached, `${tree}realms:\n  - name: local\n    basic: { file: users.yaml, cacheSize: 0 }\n`);
  return {
    es256, rs256, token, apiKey: key.key,
    basic: `Basic ${Buffer.from(`${USER}:${PASSWORD}`, "utf8").toString("base64")}`,
    configs,
  };
}
