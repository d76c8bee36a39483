/**
 * What treerights serves in `bench/ingress.ts`, written to a temporary
 * directory: a small rights tree (the shape of test/ingress/ingress-env.ts:
 * `/` READ readers, WRITE writers; `/public/` inherits; `/secret/` admins
 * only), a keys file with one API key (owner `ci`, groups readers and
 * writers), an Ed25519 signing key, and the server config: the `machines`
 * realm (API keys), `tokens` (so `POST /v1/token` issues tokens that the
 * issued-token realm verifies once and then caches), and `ingress` as
 * docs/ingress.md shows it: `source: nginx`, `/api/` → `/`,
 * `denyConfusableSegments: true`, `token: true` (the example passes
 * `X-Auth-Token` on), `groupsHeader` off (the default).
 */
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { generateApiKey } from "../../src/server/identity/api-keys/api-key.js";
import { serializeKeysFile } from "../../src/server/identity/api-keys/keys-file.js";

const TREE: Readonly<Record<string, string>> = {
  "treerights.yaml": "groups: [readers, writers, admins]\n",
  "access.rights": "READ:\n  include: [readers]\nWRITE:\n  include: [writers]\n",
  "public/README.md": "allowed\n",
  "secret/access.rights": "READ:\n  override: [admins]\nWRITE:\n  override: [admins]\n",
  "secret/README.md": "denied\n",
};

/** The paths the load asks for (GET, allowed for the key's owner), and one it may not read. */
export const ALLOWED_PATHS: readonly string[] = Array.from({ length: 16 }, (_, i) => `/api/public/doc-${String(i).padStart(2, "0")}.md`);
export const DENIED_PATH = "/api/secret/README.md";
/** The API key's owner: what the backend must see in `X-Auth-User`. */
export const OWNER = "ci";

/** Everything on disk. */
export interface IngressFixtures {
  readonly tree: string;
  readonly config: string;
  /** The API key (shown once). */
  readonly apiKey: string;
}

export function writeFixtures(dir: string): IngressFixtures {
  const tree = join(dir, "tree");
  for (const [name, content] of Object.entries(TREE)) {
    mkdirSync(dirname(join(tree, name)), { recursive: true });
    writeFileSync(join(tree, name), content);
  }
  const { privateKey } = generateKeyPairSync("ed25519");
  writeFileSync(join(dir, "signing.pem"), privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
  const key = generateApiKey();
  writeFileSync(join(dir, "keys.yaml"), serializeKeysFile([{ id: key.id, hash: key.hash, owner: OWNER, groups: ["readers", "writers"] }]), { mode: 0o600 });
  const config = join(dir, "treerights.server.yaml");
  writeFileSync(config, [
    "tree: ./tree",
    "listen: { host: 127.0.0.1, port: 0 }",
    "realms:",
    "  - name: machines",
    "    apiKeys: { file: keys.yaml }",
    "tokens: { issuer: treerights, lifetime: 1h, keys: [{ kid: t1, file: signing.pem }] }",
    "ingress:",
    "  source: nginx",
    "  routes:",
    "    - { prefix: /api/, tree: / }",
    "  denyConfusableSegments: true",
    "  token: true",
    "",
  ].join("\n"));
  return { tree, config, apiKey: key.key };
}
