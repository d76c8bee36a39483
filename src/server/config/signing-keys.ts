/**
 * The keys that sign issued tokens (SPEC 4): read from PEM files or
 * environment variables, Ed25519 (`EdDSA`) or P-256 (`ES256`) only.
 */
import { createPrivateKey, createPublicKey } from "node:crypto";
import type { KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";

/** A signing key with its id and algorithm. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: "EdDSA" | "ES256";
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** Published and accepted, never used to sign. */
  readonly publishOnly: boolean;
}

/** How a key is named in the config. */
export interface SigningKeySource {
  readonly kid: string;
  readonly file?: string;
  readonly env?: string;
  readonly publishOnly?: boolean;
}

/** The key `source` names (a file relative to `baseDir`), or a message saying why it cannot be used. Never includes the key material in a message. */
export function readSigningKey(source: SigningKeySource, baseDir: string, env: NodeJS.ProcessEnv = process.env): SigningKey | string {
  if ((source.file === undefined) === (source.env === undefined)) return `key \`${source.kid}\` needs exactly one of \`file\` and \`env\``;
  let pem: string;
  if (source.file !== undefined) {
    const path = resolve(baseDir, source.file);
    try {
      pem = readFileSync(path, "utf8");
    } catch (error) {
      const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
      return `key \`${source.kid}\`: cannot read \`${path}\` (${code})`;
    }
  } else {
    const value = env[source.env ?? ""];
    if (value === undefined || value.trim() === "") return `key \`${source.kid}\`: environment variable \`${source.env ?? ""}\` is not set`;
    pem = value;
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    return `key \`${source.kid}\` is not a PEM private key; make one with \`openssl genpkey -algorithm ed25519\``;
  }
  const alg = algorithmOf(privateKey);
  if (alg === null) return `key \`${source.kid}\` must be Ed25519 (EdDSA) or P-256 (ES256)`;
  return { kid: source.kid, alg, privateKey, publicKey: createPublicKey(privateKey), publishOnly: source.publishOnly ?? false };
}

function algorithmOf(key: KeyObject): SigningKey["alg"] | null {
  if (key.asymmetricKeyType === "ed25519") return "EdDSA";
  if (key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1") return "ES256";
  return null;
}
