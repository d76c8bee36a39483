/** API keys (SPEC 4): the key format, the keys file, and the realm that verifies keys against it. */
import { chmod, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  API_KEY_LENGTH, generateApiKey, hashApiKey, parseApiKey, sameHash,
} from "../../../src/server/identity/api-keys/api-key.js";
import { createApiKeysRealm } from "../../../src/server/identity/api-keys/api-keys-realm.js";
import type { ApiKeyEntry } from "../../../src/server/identity/api-keys/keys-file.js";
import {
  KeysFileChangedError, parseKeysFile, readKeysFile, revisionOf, serializeKeysFile, writeKeysFile,
} from "../../../src/server/identity/api-keys/keys-file.js";
import type { Realm, RealmAnswer } from "../../../src/server/identity/identity.js";
import { scratch } from "../../support/scratch.js";

const PEER = { peer: "127.0.0.1" };
const HEX: readonly string[] = Array.from("0123456789abcdef");

const { tempDir, keep } = scratch("keys");

/** A key and its entry (owner `ci`, group `ops` unless overridden). */
function keyWith(fields: Partial<ApiKeyEntry> = {}): { key: string; entry: ApiKeyEntry } {
  const { key, id, hash } = generateApiKey();
  return { key, entry: { id, hash, owner: "ci", groups: ["ops"], ...fields } };
}

async function keysFile(entries: readonly ApiKeyEntry[]): Promise<string> {
  const path = join(await tempDir(), "keys.yaml");
  await writeFile(path, serializeKeysFile(entries));
  return path;
}

async function realmOn(path: string, options: Parameters<typeof createApiKeysRealm>[3] = { pollMs: 0 }, mapping?: Parameters<typeof createApiKeysRealm>[2]): Promise<Realm> {
  const realm = await createApiKeysRealm("machines", { file: path }, mapping, options);
  keep(realm);
  return realm;
}

async function ask(realm: Realm, key: string): Promise<RealmAnswer> {
  return realm.authenticate({ kind: "apiKey", key }, PEER);
}

function codeOf(answer: RealmAnswer): string | null {
  if (answer === null) return null;
  return answer.kind === "refused" ? answer.code : "identity";
}

/** Asks until the answer's code is `code`, at most `ms`; the time it took, or fails. */
async function until(realm: Realm, key: string, code: string | null, ms: number): Promise<number> {
  const start = Date.now();
  for (let i = 0; i < ms / 20 + 1; i++) {
    if (codeOf(await ask(realm, key)) === code) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not \`${code}\` within ${ms} ms: ${String(codeOf(await ask(realm, key)))}`);
}

describe("the key format", () => {
  it("is trk_<12 hex>_<64 hex>, 256 bits of secret, hashed as sha256:<hex> of the whole key", () => {
    const { key, id, hash } = generateApiKey();
    expect(key).toMatch(/^trk_[0-9a-f]{12}_[0-9a-f]{64}$/);
    expect(key).toHaveLength(API_KEY_LENGTH);
    expect(parseApiKey(key)).toEqual({ id, secret: key.slice(17) });
    expect(hash).toBe(hashApiKey(key));
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(generateApiKey().key).not.toBe(key);
  });

  it("parses strictly: anything but the exact form is null", () => {
    const { key } = generateApiKey();
    for (const bad of [
      "", "trk_", key.toUpperCase(), ` ${key}`, `${key} `, `${key}\n`, key.slice(0, -1), `${key}0`, key.replace("trk_", "trx_"),
      key.replace(/_/g, "-"), `trk_${"0".repeat(11)}_${"0".repeat(65)}`, `Bearer ${key}`, "trk_" + "g".repeat(12) + "_" + "0".repeat(64),
    ]) expect(parseApiKey(bad), bad).toBeNull();
  });

  it("compares hashes in constant time and never throws on different lengths", () => {
    const a = hashApiKey("trk_a");
    expect(sameHash(a, a)).toBe(true);
    expect(sameHash(a, hashApiKey("trk_b"))).toBe(false);
    expect(sameHash(a, a.slice(0, -1))).toBe(false);
    expect(sameHash(a, "")).toBe(false);
    expect(sameHash("", a)).toBe(false);
    // Same number of UTF-16 units, different number of bytes.
    expect(() => sameHash(a, `${a.slice(0, -1)}é`)).not.toThrow();
    expect(sameHash(a, `${a.slice(0, -1)}é`)).toBe(false);
  });

  it("round trips: a formatted key parses to its parts, a generated one to its id", () => {
    const hexString = (n: number) => fc.string({ unit: fc.constantFrom(...HEX), minLength: n, maxLength: n });
    fc.assert(fc.property(hexString(12), hexString(64), (id, secret) => {
      expect(parseApiKey(`trk_${id}_${secret}`)).toEqual({ id, secret });
    }));
    for (let i = 0; i < 50; i++) {
      const { key, id } = generateApiKey();
      expect(parseApiKey(key)?.id).toBe(id);
    }
  });
});

describe("the keys file", () => {
  it("reports a duplicate id at the second one's line", () => {
    const { entry } = keyWith();
    const text = serializeKeysFile([entry, { ...entry, owner: "other" }]);
    const parsed = parseKeysFile(Buffer.from(text), "keys.yaml");
    expect("problems" in parsed).toBe(true);
    const problems = "problems" in parsed ? parsed.problems : [];
    const lines = text.split("\n").flatMap((line, i) => (line.includes(`id: ${entry.id}`) ? [i + 1] : []));
    expect(lines).toHaveLength(2);
    expect(problems).toEqual([expect.objectContaining({
      file: "keys.yaml", line: lines[1], column: 5, message: `key id \`${entry.id}\` is listed twice (first on line ${lines[0]}); ids must be unique`,
    })]);
  });

  it("refuses a key written twice in one entry (a second `revoked: false` must not undo a revocation)", () => {
    const { entry } = keyWith();
    const text = `keys:\n  - id: ${entry.id}\n    hash: ${entry.hash}\n    owner: ci\n    groups: [ops]\n    revoked: true\n    revoked: false\n`;
    const parsed = parseKeysFile(Buffer.from(text), "keys.yaml");
    expect("problems" in parsed && parsed.problems).toEqual([expect.objectContaining({ code: "duplicate_key", line: 7 })]);
  });

  it("places schema problems with line and column and the field's description", () => {
    const text = "keys:\n  - id: abc\n    hash: sha256:00\n    owner: ci\n    groups: [ops]\n    scopes: [\"/plant/**\"]\n    expires: tomorrow\n    colour: red\n";
    const parsed = parseKeysFile(Buffer.from(text), "keys.yaml");
    const problems = "problems" in parsed ? parsed.problems : [];
    expect(problems.map((p) => `${p.line}:${p.column} ${p.message}`)).toEqual([
      expect.stringMatching(/^2:5 `keys\[0\]\.id` must match pattern .*12 lowercase hex/),
      expect.stringMatching(/^3:5 `keys\[0\]\.hash` must match pattern .*SHA-256/),
      expect.stringMatching(/^6:14 `keys\[0\]\.scopes\[0\]` must match pattern/),
      expect.stringMatching(/^7:5 `keys\[0\]\.expires` must match pattern .*ISO 8601/),
      expect.stringMatching(/^8:5 unknown key `colour`/),
    ]);
  });

  it("refuses an empty file and an impossible date", () => {
    expect(parseKeysFile(Buffer.from(""), "k.yaml")).toHaveProperty("problems", [expect.objectContaining({ message: expect.stringContaining("needs `keys`") })]);
    const { entry } = keyWith();
    const text = serializeKeysFile([{ ...entry, expires: "2026-13-45T00:00:00Z" }]);
    expect(parseKeysFile(Buffer.from(text), "k.yaml")).toHaveProperty("problems", [expect.objectContaining({ message: expect.stringContaining("not a real date") })]);
    expect(parseKeysFile(Buffer.from("keys: []\n"), "k.yaml")).toHaveProperty("value.keys", []);
  });

  it("writes atomically: a new file is 0600, an existing file keeps its mode, no temp file is left, and it reads back", async () => {
    const dir = await tempDir();
    const path = join(dir, "keys.yaml");
    const { entry } = keyWith({ scopes: ["READ:/plant/**"], groups: ["yes", "null", "123", "__proto__"], comment: "a: b # c" });
    await writeKeysFile(path, [entry], null);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await chmod(path, 0o640);
    const second = keyWith().entry;
    const read = await readKeysFile(path);
    expect(read.kind === "loaded" && read.file.keys).toEqual([entry]);
    await writeKeysFile(path, [entry, second], read.kind === "loaded" ? read.revision : null);
    expect((await stat(path)).mode & 0o777).toBe(0o640);
    expect(await readdir(dir)).toEqual(["keys.yaml"]);
    const again = await readKeysFile(path);
    expect(again.kind === "loaded" && again.file.keys).toEqual([entry, second]);
    expect(again.kind === "loaded" && again.file.byId.get(second.id)).toEqual(second);
  });

  it("refuses to write over a file that changed since it was read, and never writes a file that does not load", async () => {
    const dir = await tempDir();
    const path = join(dir, "keys.yaml");
    const { entry } = keyWith();
    await writeKeysFile(path, [entry]);
    const before = revisionOf(await readFile(path));
    await writeKeysFile(path, [entry, keyWith().entry]);
    await expect(writeKeysFile(path, [entry], before)).rejects.toBeInstanceOf(KeysFileChangedError);
    await expect(writeKeysFile(path, [entry, entry])).rejects.toThrow(/refusing to write keys file .*listed twice/);
    await expect(writeKeysFile(path, [{ ...entry, owner: "" }])).rejects.toThrow(/refusing to write/);
    expect(await readdir(dir)).toEqual(["keys.yaml"]);
    expect((await readKeysFile(path)).kind).toBe("loaded");
  });
});

describe("the API keys realm", () => {
  it("gives the key's identity: owner, mapped groups, scopes, expiry, source", async () => {
    const expires = "2030-01-01T00:00:00.000Z";
    const { key, entry } = keyWith({ owner: "ci-deploy", groups: ["ops", "/tenant-b/admin"], scopes: ["READ:/plant/**", "WRITE:/plant/north/**"], expires });
    const realm = await realmOn(await keysFile([entry]), { pollMs: 0, now: () => Date.parse("2029-01-01T00:00:00Z") }, { prefix: "m:" });
    expect(await ask(realm, key)).toEqual({
      kind: "identity",
      identity: {
        realm: "machines", subject: "ci-deploy", groups: ["m:ops", "m:/tenant-b/admin"],
        scopes: ["READ:/plant/**", "WRITE:/plant/north/**"], expiresAt: Date.parse(expires) / 1000,
        source: { kind: "apiKey", id: entry.id, fp: expect.stringMatching(/^[\w-]{16}$/) },
      },
    });
    const plain = keyWith();
    const other = await realmOn(await keysFile([plain.entry]));
    const answer = await ask(other, plain.key);
    expect(answer).toEqual({ kind: "identity", identity: { realm: "machines", subject: "ci", groups: ["ops"], source: { kind: "apiKey", id: plain.entry.id, fp: expect.stringMatching(/^[\w-]{16}$/) } } });
    expect(answer?.kind === "identity" && "scopes" in answer.identity).toBe(false);
    expect(realm.status()).toMatchObject({ name: "machines", kind: "apiKeys", ready: true, file: { problems: [], revision: expect.stringMatching(/^[0-9a-f]{64}$/) } });
  });

  it("is not asked about other credentials and other realms' ids; refuses a malformed key and a wrong secret", async () => {
    const { key, entry } = keyWith();
    const realm = await realmOn(await keysFile([entry]));
    expect(await realm.authenticate({ kind: "bearer", token: "eyJ.x.y" }, PEER)).toBeNull();
    expect(await realm.authenticate({ kind: "basic", user: "u", password: "p" }, PEER)).toBeNull();
    expect(await ask(realm, generateApiKey().key)).toBeNull();
    expect(codeOf(await ask(realm, `${key}x`))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, "trk_nope"))).toBe("credential_invalid");
    const wrongSecret = `trk_${entry.id}_${"0".repeat(64)}`;
    expect(codeOf(await ask(realm, wrongSecret))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, key))).toBe("identity");
  });

  it("refuses any one-character change of the secret", async () => {
    const { key, entry } = keyWith();
    const realm = await realmOn(await keysFile([entry]));
    const secretAt = key.length - 64;
    fc.assert(fc.property(fc.integer({ min: secretAt, max: key.length - 1 }), fc.constantFrom(...HEX, "g", "A", "F", "_", "-", "z", " ", "é"), (i, c) => {
      fc.pre(key[i] !== c);
      const changed = `${key.slice(0, i)}${c}${key.slice(i + 1)}`;
      expect(codeOf(realm.authenticate({ kind: "apiKey", key: changed }, PEER) as RealmAnswer)).toBe("credential_invalid");
    }), { numRuns: 300 });
  });

  it("refuses a revoked key, and an expired one from its expiry on", async () => {
    let now = Date.parse("2029-12-31T23:59:59Z");
    const revoked = keyWith({ revoked: true });
    const expiring = keyWith({ expires: "2030-01-01T00:00:00Z" });
    const realm = await realmOn(await keysFile([revoked.entry, expiring.entry]), { pollMs: 0, now: () => now });
    expect(codeOf(await ask(realm, revoked.key))).toBe("credential_revoked");
    // A wrong secret for a revoked key learns nothing about it.
    expect(codeOf(await ask(realm, revoked.key.slice(0, -1) + (revoked.key.endsWith("0") ? "1" : "0")))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, expiring.key))).toBe("identity");
    const nowSeconds = now / 1000;
    expect(realm.stillValid?.({ kind: "apiKey", id: expiring.entry.id }, nowSeconds)).toBeNull();
    now = Date.parse("2030-01-01T00:00:00Z");
    expect(codeOf(await ask(realm, expiring.key))).toBe("credential_expired");
    expect(realm.stillValid?.({ kind: "apiKey", id: expiring.entry.id }, now / 1000)).toBe("credential_expired");
    expect(realm.stillValid?.({ kind: "apiKey", id: revoked.entry.id }, nowSeconds)).toBe("credential_revoked");
    expect(realm.stillValid?.({ kind: "apiKey", id: "000000000000" }, nowSeconds)).toBe("credential_revoked");
    expect(realm.stillValid?.({ kind: "user", name: "ci" }, nowSeconds)).toBe("credential_invalid");
  });

  it("applies a revocation by file edit on the next poll, and within 2 s with the default poll", async () => {
    const { key, entry } = keyWith();
    const path = await keysFile([entry]);
    const fast = await realmOn(path, { pollMs: 10 });
    const standard = await realmOn(path, {});
    expect(codeOf(await ask(fast, key))).toBe("identity");
    expect(codeOf(await ask(standard, key))).toBe("identity");
    // A hand edit in place, as an editor would save it.
    await writeFile(path, (await readFile(path, "utf8")).replace(`    hash:`, "    revoked: true\n    hash:"));
    expect(await until(fast, key, "credential_revoked", 1000)).toBeLessThan(1000);
    expect(await until(standard, key, "credential_revoked", 2000)).toBeLessThan(2000);
    // The id gone altogether: the key is nobody's, and a token issued for it no longer stands.
    await writeFile(path, "keys: []\n");
    await until(fast, key, null, 1000);
    expect(fast.stillValid?.({ kind: "apiKey", id: entry.id }, Date.now() / 1000)).toBe("credential_revoked");
  });

  it("refuses every key with credentials_unavailable while the file does not load, until it is fixed", async () => {
    const { key, entry } = keyWith();
    const path = await keysFile([entry]);
    const good = await readFile(path, "utf8");
    const realm = await realmOn(path, { pollMs: 10 });
    expect(codeOf(await ask(realm, key))).toBe("identity");
    await writeFile(path, `${good}  - id: nothex\n`);
    await until(realm, key, "credentials_unavailable", 1000);
    // Another realm's key too: this realm cannot tell whose it is.
    expect(codeOf(await ask(realm, generateApiKey().key))).toBe("credentials_unavailable");
    expect(realm.stillValid?.({ kind: "apiKey", id: entry.id }, Date.now() / 1000)).toBe("credentials_unavailable");
    const status = realm.status();
    expect(status.ready).toBe(false);
    expect(status.file?.revision).toBeNull();
    expect(status.file?.problems[0]).toMatchObject({ file: path, line: expect.any(Number) as number, code: "schema_violation" });
    await writeFile(path, good);
    await until(realm, key, "identity", 1000);
    expect(realm.status().ready).toBe(true);
  });

  it("refuses every key while the file is missing", async () => {
    const realm = await realmOn(join(await tempDir(), "absent.yaml"));
    expect(codeOf(await ask(realm, generateApiKey().key))).toBe("credentials_unavailable");
    expect(realm.status()).toMatchObject({ ready: false, file: { problems: [expect.objectContaining({ message: "the file does not exist" })] } });
  });
});
