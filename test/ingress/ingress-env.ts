/**
 * A treerights server config on disk for the ingress tests (SPEC 5): a
 * small rights tree with an allowed, a read-only and a denied subtree, a
 * users file (scrypt hashes), a keys file (SHA-256), an Ed25519 signing key,
 * trusted headers from 127.0.0.1, and `ingress:` for one gateway source.
 *
 *   /            READ readers, WRITE writers
 *   /public/     (inherits)
 *   /readonly/   WRITE nobody
 *   /secret/     READ and WRITE admins only
 *
 * The one route maps `/api/` to the tree's root; anything else is unrouted.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateApiKey } from "../../src/server/identity/api-keys/api-key.js";
import { serializeKeysFile } from "../../src/server/identity/api-keys/keys-file.js";
import { hashPassword } from "../../src/server/identity/basic/password-hash.js";
import { writeFiles, writeSigningKey } from "../support/scratch-files.js";

/** Which header shape `/v1/authz` reads. */
export type IngressSource = "nginx" | "traefik" | "envoy";

/** 300 extra groups for the user whose downstream token must still fit through nginx. */
export const MANY_GROUPS: readonly string[] = Array.from({ length: 300 }, (_, i) => `plant-operators-line-${String(i).padStart(3, "0")}`);

const TREE: Readonly<Record<string, string>> = {
  "treerights.yaml": "groups: [readers, writers, admins]\n",
  "access.rights": "READ:\n  include: [readers]\nWRITE:\n  include: [writers]\n",
  "public/README.md": "allowed\n",
  "readonly/access.rights": "WRITE:\n  override: []\n",
  "readonly/README.md": "read only\n",
  "secret/access.rights": "READ:\n  override: [admins]\nWRITE:\n  override: [admins]\n",
  "secret/README.md": "denied\n",
};

/** Users of the basic realm `local`: name → password and groups. */
export const USERS: Readonly<Record<string, { readonly password: string; readonly groups: readonly string[] }>> = {
  alice: { password: "alice-pw-3Rf8", groups: ["admins", "readers", "writers"] },
  bob: { password: "bob-pw-9Xk4", groups: ["readers"] },
  carol: { password: "carol-pw-2Lm7", groups: ["readers", "writers"] },
  many: { password: "many-pw-5Tz1", groups: ["readers", ...MANY_GROUPS] },
};

/** Everything on disk, and the API keys (shown once). */
export interface IngressEnv {
  readonly dir: string;
  readonly tree: string;
  /** The config for each source, identical but for `ingress.source`. */
  readonly configFiles: Readonly<Record<IngressSource, string>>;
  /** `svc`: owner `ci`, readers and writers; `reader`: owner `robot`, readers. */
  readonly keys: { readonly svc: string; readonly reader: string };
  remove(): Promise<void>;
}

/** Writes a fresh environment into a temp directory. */
export async function makeIngressEnv(): Promise<IngressEnv> {
  const dir = await mkdtemp(join(tmpdir(), "treerights-ingress-"));
  const tree = join(dir, "tree");
  await writeFiles(tree, TREE);
  await writeSigningKey(join(dir, "signing.pem"));

  const svc = generateApiKey();
  const reader = generateApiKey();
  await writeFile(join(dir, "keys.yaml"), serializeKeysFile([
    { id: svc.id, hash: svc.hash, owner: "ci", groups: ["readers", "writers"] },
    { id: reader.id, hash: reader.hash, owner: "robot", groups: ["readers"] },
  ]), { mode: 0o600 });

  const users: string[] = ["users:"];
  for (const [name, { password, groups }] of Object.entries(USERS)) {
    users.push(`  ${name}:`, `    hash: "${await hashPassword(password)}"`, `    groups: [${groups.join(", ")}]`);
  }
  await writeFile(join(dir, "users.yaml"), `${users.join("\n")}\n`, { mode: 0o600 });

  const configFiles = {} as Record<IngressSource, string>;
  for (const source of ["nginx", "traefik", "envoy"] as const) {
    configFiles[source] = join(dir, `treerights.${source}.yaml`);
    await writeFile(configFiles[source], [
      "tree: ./tree",
      "listen: { host: 127.0.0.1, port: 0 }",
      "realms:",
      "  - name: machines",
      "    apiKeys: { file: keys.yaml }",
      "  - name: local",
      "    basic: { file: users.yaml }",
      "  - name: proxy",
      "    headers: { user: X-Auth-Request-User, groups: X-Auth-Request-Groups, trustedProxies: [127.0.0.1/32] }",
      "tokens: { issuer: treerights, lifetime: 1h, keys: [{ kid: t1, file: signing.pem }] }",
      "ingress:",
      `  source: ${source}`,
      "  routes:",
      "    - { prefix: /api/, tree: / }",
      "    - { prefix: /internal/, tree: /secret/, host: internal.example }",
      "  denyConfusableSegments: true",
      "  token: true",
      "  groupsHeader: true",
      "",
    ].join("\n"));
  }
  return {
    dir, tree, configFiles,
    keys: { svc: svc.key, reader: reader.key },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** `Basic <base64 user:password>` for a user of `USERS`. */
export function basicOf(user: string): string {
  const entry = USERS[user];
  if (entry === undefined) throw new Error(`no user ${user}`);
  return `Basic ${Buffer.from(`${user}:${entry.password}`, "utf8").toString("base64")}`;
}
