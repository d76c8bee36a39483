/** Files the identity and ingress fixtures write into their temp directories. */
import { generateKeyPairSync } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";

/** Writes `files` (path below `root` → content), making directories as needed. */
export async function writeFiles(root: string, files: Readonly<Record<string, string>>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, name)), { recursive: true });
    await writeFile(join(root, name), content);
  }
}

/** Writes a new Ed25519 private key (PKCS#8 PEM, mode 0600) to `file`, as `tokens.keys[].file` reads it. */
export async function writeSigningKey(file: string): Promise<void> {
  const { privateKey } = generateKeyPairSync("ed25519");
  await writeFile(file, privateKey.export({ type: "pkcs8", format: "pem" }), { mode: 0o600 });
}
