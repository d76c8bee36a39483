/** The Basic realm (SPEC 4): scrypt against a hot-reloaded users file, failure limits before hashing, the success cache. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { BasicRealmConfig, GroupMapping } from "../../../src/server/config/realm-config.js";
import type { BasicRealmOptions } from "../../../src/server/identity/basic/basic-realm.js";
import { createBasicRealm } from "../../../src/server/identity/basic/basic-realm.js";
import { addressKey, FailureLimiter } from "../../../src/server/identity/basic/failure-limiter.js";
import { DUMMY_HASH, hashPassword, parseHash, SCRYPT_PARAMS, verifyPassword } from "../../../src/server/identity/basic/password-hash.js";
import { SuccessCache } from "../../../src/server/identity/basic/success-cache.js";
import { editUser, parseUsersFile, readUsersFile, writeUsersFile } from "../../../src/server/identity/basic/users-file.js";
import type { Credential, Realm, RealmAnswer } from "../../../src/server/identity/identity.js";

const WINDOW = 15 * 60_000;
const dirs: string[] = [];
const realms: Realm[] = [];

afterEach(async () => {
  await Promise.all(realms.splice(0).map((r) => r.close()));
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

function config(file: string, overrides: Partial<BasicRealmConfig> = {}): BasicRealmConfig {
  return { file, cacheSize: 100, cacheTtlMs: 60_000, maxFailuresPerUser: 10, maxFailuresPerAddress: 50, failureWindowMs: WINDOW, ...overrides };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "treerights-basic-"));
  dirs.push(dir);
  return dir;
}

// Hashed once per file: each costs a real scrypt.
let alicePassword: string | undefined;
async function aliceHash(): Promise<string> {
  alicePassword ??= await hashPassword("alice-secret");
  return alicePassword;
}

async function usersYaml(extra = ""): Promise<string> {
  const hash = await aliceHash();
  return `users:\n  alice:\n    hash: "${hash}"\n    groups: [operators, /plant/supervisors]\n  carol:\n    hash: "${hash}"\n    groups: [operators]\n    disabled: true\n${extra}`;
}

async function open(text: string, overrides: Partial<BasicRealmConfig> = {}, options: BasicRealmOptions = {}, mapping?: GroupMapping): Promise<{ realm: Realm; file: string }> {
  const dir = await tempDir();
  const file = join(dir, "users.yaml");
  await writeFile(file, text);
  const realm = await createBasicRealm("local", config(file, overrides), mapping, { pollMs: 20, ...options });
  realms.push(realm);
  return { realm, file };
}

function basic(user: string, password: string): Credential {
  return { kind: "basic", user, password };
}

async function ask(realm: Realm, credential: Credential, peer = "127.0.0.1"): Promise<RealmAnswer> {
  return realm.authenticate(credential, { peer });
}

function codeOf(answer: RealmAnswer): string {
  if (answer === null) return "null";
  return answer.kind === "identity" ? "identity" : answer.code;
}

/** Waits (bounded) until the realm's file state differs from `before` (a `fileState` snapshot). */
async function reloaded(realm: Realm, before: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (fileState(realm) !== before) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the users file was not reloaded within 2 s");
}

function fileState(realm: Realm): string {
  const file = realm.status().file;
  return JSON.stringify([file?.revision, file?.problems]);
}

/** A fast stand-in for scrypt: `right` is the password of every real hash. */
function fakeVerify() {
  return vi.fn((password: string, stored: string) => Promise.resolve(password === "right" && stored !== DUMMY_HASH));
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

describe("password hashes", () => {
  it("are self-describing scrypt strings with fresh salt, verified only by the right password", async () => {
    const a = await hashPassword("pässword");
    const b = await hashPassword("pässword");
    expect(a).toMatch(/^scrypt\$N=32768,r=8,p=1\$[A-Za-z0-9+/]+=*\$[A-Za-z0-9+/]+=*$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain("pässword");
    expect(await verifyPassword("pässword", a)).toBe(true);
    // NFC: the decomposed spelling of the same password is the same password
    expect(await verifyPassword("pa\u0308ssword", a)).toBe(true);
    expect(await verifyPassword("password", a)).toBe(false);
    expect(await verifyPassword("pässword", "not a hash")).toBe(false);
  });

  it("has a dummy hash with the same parameters that no tried password matches", async () => {
    const dummy = parseHash(DUMMY_HASH);
    expect(typeof dummy).toBe("object");
    if (typeof dummy === "object") expect(dummy.params).toEqual(SCRYPT_PARAMS);
    expect(await verifyPassword("", DUMMY_HASH)).toBe(false);
  });

  it("refuses parameters that would make one check huge", () => {
    expect(parseHash("scrypt$N=4194304,r=8,p=1$YWFhYWFhYWFhYWFhYWFhYQ==$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")).toMatch(/N must be/);
    expect(parseHash("scrypt$N=1000,r=8,p=1$YWFhYWFhYWFhYWFhYWFhYQ==$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")).toMatch(/power of two/);
    expect(parseHash("scrypt$N=1024,r=64,p=1$YWFhYWFhYWFhYWFhYWFhYQ==$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=")).toMatch(/r must be/);
  });
});

describe("createBasicRealm", () => {
  it("answers a right password with the identity, groups mapped and never cut to a last segment", async () => {
    const { realm } = await open(await usersYaml(), {}, {}, { prefix: "local:" });
    const answer = await ask(realm, basic("alice", "alice-secret"));
    expect(answer).toEqual({
      kind: "identity",
      identity: { realm: "local", subject: "alice", groups: ["local:operators", "local:/plant/supervisors"], source: { kind: "user", name: "alice", fp: expect.stringMatching(/^[\w-]{16}$/) } },
    });
    expect(realm.status()).toMatchObject({ name: "local", kind: "basic", ready: true, file: { problems: [] } });
    expect(realm.stillValid?.({ kind: "user", name: "alice" }, 0)).toBeNull();
    expect(realm.stillValid?.({ kind: "user", name: "carol" }, 0)).toBe("credential_disabled");
    expect(realm.stillValid?.({ kind: "user", name: "nobody" }, 0)).toBe("credential_revoked");
  });

  it("leaves every other kind of credential to other realms", async () => {
    const { realm } = await open(await usersYaml());
    expect(await ask(realm, { kind: "bearer", token: "x" })).toBeNull();
    expect(await ask(realm, { kind: "apiKey", key: "trk_a_b" })).toBeNull();
    expect(await ask(realm, { kind: "headers", user: "alice", groups: [] })).toBeNull();
  });

  it("refuses with codes that say no more: unknown user and wrong password alike, disabled only with the right password", async () => {
    const { realm } = await open(await usersYaml());
    expect(codeOf(await ask(realm, basic("alice", "wrong")))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, basic("mallory", "alice-secret")))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, basic("carol", "wrong")))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, basic("carol", "alice-secret")))).toBe("credential_disabled");
  });

  it("hashes exactly once for unknown user, disabled user and wrong password, and they take comparable time", async () => {
    const verify = vi.fn(verifyPassword);
    const { realm } = await open(await usersYaml(), { cacheSize: 0 }, { verify });
    const cases = {
      wrongPassword: basic("alice", "wrong"),
      unknownUser: basic("mallory", "alice-secret"),
      disabledRight: basic("carol", "alice-secret"),
      disabledWrong: basic("carol", "wrong"),
    };
    const times: Record<string, number[]> = { wrongPassword: [], unknownUser: [], disabledRight: [], disabledWrong: [] };
    for (let round = 0; round < 5; round++) {
      for (const [name, credential] of Object.entries(cases)) {
        const calls = verify.mock.calls.length;
        const start = performance.now();
        await ask(realm, credential, `192.0.2.${String(round)}`);
        times[name]!.push(performance.now() - start);
        // The structural guard: one scrypt per attempt, whatever the outcome.
        expect(verify.mock.calls.length).toBe(calls + 1);
      }
    }
    const unknownCalls = verify.mock.calls.filter(([, stored]) => stored === DUMMY_HASH);
    expect(unknownCalls).toHaveLength(5);
    const reference = median(times["wrongPassword"]!);
    for (const name of Object.keys(cases)) {
      const ratio = median(times[name]!) / reference;
      expect(ratio, `${name} against wrong password`).toBeGreaterThan(0.5);
      expect(ratio, `${name} against wrong password`).toBeLessThan(2);
    }
  });

  it("shares one check among concurrent requests with the same new credential: one scrypt, no failures counted", async () => {
    const verify = vi.fn(verifyPassword);
    const { realm } = await open(await usersYaml(), {}, { verify });
    // A page opening with a new credential sends a burst of calls at once: none is refused as too many failures.
    const answers = await Promise.all(Array.from({ length: 20 }, () => ask(realm, basic("alice", "alice-secret"))));
    expect(answers.map(codeOf)).toEqual(Array(20).fill("identity"));
    expect(verify).toHaveBeenCalledTimes(1);
    // A burst of one wrong password is one failure too, not twenty.
    const wrong = await Promise.all(Array.from({ length: 20 }, () => ask(realm, basic("alice", "wrong"))));
    expect(wrong.map(codeOf)).toEqual(Array(20).fill("credential_invalid"));
    expect(verify).toHaveBeenCalledTimes(2);
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("identity");
  });

  it("lets a user whose right password is remembered in while guessers have locked out the user and the gateway's address", async () => {
    const verify = fakeVerify();
    const { realm } = await open(await usersYaml(), {}, { verify });
    expect(codeOf(await ask(realm, basic("alice", "right"), "127.0.0.1"))).toBe("identity");
    for (let i = 0; i < 60; i++) await ask(realm, basic("alice", `guess-${String(i)}`), "127.0.0.1");
    expect(codeOf(await ask(realm, basic("alice", "guess-x"), "127.0.0.1"))).toBe("too_many_failures");
    const hashes = verify.mock.calls.length;
    expect(codeOf(await ask(realm, basic("alice", "right"), "127.0.0.1"))).toBe("identity");
    expect(verify.mock.calls.length).toBe(hashes);
  });

  it("refuses the 11th failure for a user with too_many_failures and Retry-After, without hashing, until the window passes", async () => {
    let now = 1_000_000;
    const verify = fakeVerify();
    const { realm } = await open(await usersYaml(), {}, { verify, now: () => now });
    for (let i = 0; i < 10; i++) {
      // a new address each time: only the user's count can refuse
      expect(codeOf(await ask(realm, basic("alice", `guess-${String(i)}`), `198.51.100.${String(i)}`))).toBe("credential_invalid");
      now += 1000;
    }
    expect(verify).toHaveBeenCalledTimes(10);
    const refused = await ask(realm, basic("alice", "right"), "203.0.113.1");
    expect(refused).toEqual({ kind: "refused", code: "too_many_failures", retryAfterSeconds: (WINDOW - 10_000) / 1000 });
    expect(verify).toHaveBeenCalledTimes(10);
    // other users are not affected
    expect(codeOf(await ask(realm, basic("bob", "x"), "203.0.113.1"))).toBe("credential_invalid");
    // the oldest failure ages out: one more try
    now = 1_000_000 + WINDOW + 1;
    expect(codeOf(await ask(realm, basic("alice", "right"), "203.0.113.1"))).toBe("identity");
  });

  it("refuses the 51st failure from an address, for any user, without hashing", async () => {
    let now = 5_000_000;
    const verify = fakeVerify();
    const { realm } = await open(await usersYaml(), {}, { verify, now: () => now });
    for (let i = 0; i < 50; i++) {
      expect(codeOf(await ask(realm, basic(`user-${String(i)}`, "right"), "10.1.2.3"))).toBe("credential_invalid");
      now += 100;
    }
    expect(verify).toHaveBeenCalledTimes(50);
    for (const user of ["alice", "someone-new"]) {
      const answer = await ask(realm, basic(user, "right"), "10.1.2.3");
      expect(answer).toMatchObject({ kind: "refused", code: "too_many_failures" });
      expect(answer !== null && answer.kind === "refused" ? answer.retryAfterSeconds : 0).toBe(Math.ceil((WINDOW - 5000) / 1000));
    }
    expect(verify).toHaveBeenCalledTimes(50);
    // another address is not affected
    expect(codeOf(await ask(realm, basic("alice", "right"), "10.1.2.4"))).toBe("identity");
  });

  it("keeps a burst of parallel guesses within the limit (checks in flight count)", async () => {
    const verify = vi.fn((password: string) => new Promise<boolean>((resolve) => setTimeout(() => { resolve(password === "right"); }, 20)));
    const { realm } = await open(await usersYaml(), { cacheSize: 0 }, { verify });
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => ask(realm, basic("alice", `guess-${String(i)}`), `198.51.100.${String(i)}`)));
    expect(verify).toHaveBeenCalledTimes(10);
    expect(answers.filter((a) => codeOf(a) === "too_many_failures")).toHaveLength(20);
  });

  it("does not let a success erase the failures of the user or the address", async () => {
    const verify = fakeVerify();
    const { realm } = await open(await usersYaml(), { cacheSize: 0 }, { verify });
    for (let i = 0; i < 9; i++) await ask(realm, basic("alice", "wrong"), "10.0.0.1");
    expect(codeOf(await ask(realm, basic("alice", "right"), "10.0.0.1"))).toBe("identity");
    expect(codeOf(await ask(realm, basic("alice", "wrong"), "10.0.0.1"))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, basic("alice", "right"), "10.0.0.1"))).toBe("too_many_failures");
  });

  it("does not count refused attempts, disabled users with the right password, or successes as failures", () => {
    let now = 0;
    const limiter = new FailureLimiter({ maxFailuresPerUser: 2, maxFailuresPerAddress: 100, failureWindowMs: 1000 }, () => now);
    const fail = (): string => {
      const check = limiter.begin("u", "10.0.0.1");
      if (check.kind === "allowed") check.attempt.end(true);
      return check.kind;
    };
    expect([fail(), fail(), fail(), fail()]).toEqual(["allowed", "allowed", "refused", "refused"]);
    now = 1001;
    expect(fail()).toBe("allowed");
  });

  it("tracks a bounded number of keys, dropping the one failed least recently", () => {
    const limiter = new FailureLimiter({ maxFailuresPerUser: 1, maxFailuresPerAddress: 1000, failureWindowMs: 60_000, maxKeys: 100 }, () => 0);
    for (let i = 0; i < 1000; i++) {
      const check = limiter.begin(`user-${String(i)}`, `10.0.${String(i >> 8)}.${String(i & 255)}`);
      if (check.kind === "allowed") check.attempt.end(true);
    }
    expect(limiter.size).toEqual({ users: 100, addresses: 100 });
    expect(limiter.begin("user-999", "192.0.2.1").kind).toBe("refused");
  });

  it("counts an IPv6 peer by its /64 and an IPv4-mapped one as IPv4", () => {
    expect(addressKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(addressKey("2001:db8:1:2:ffff:ffff:ffff:ffff")).toBe("2001:db8:1:2::/64");
    expect(addressKey("::ffff:192.0.2.7")).toBe("192.0.2.7");
    expect(addressKey("::1")).toBe("0:0:0:0::/64");
    expect(addressKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressKey("192.0.2.7")).toBe("192.0.2.7");
  });

  it("remembers a success so the second costs no scrypt, and forgets it when the users file changes", async () => {
    const verify = vi.fn(verifyPassword);
    const { realm, file } = await open(await usersYaml());
    realms.pop();
    await realm.close();
    const spied = await createBasicRealm("local", config(file), undefined, { pollMs: 20, verify });
    realms.push(spied);
    expect(codeOf(await ask(spied, basic("alice", "alice-secret")))).toBe("identity");
    expect(codeOf(await ask(spied, basic("alice", "alice-secret")))).toBe("identity");
    expect(verify).toHaveBeenCalledTimes(1);
    // a wrong password is never answered from the cache
    expect(codeOf(await ask(spied, basic("alice", "alice-secret "))))
      .toBe("credential_invalid");
    expect(verify).toHaveBeenCalledTimes(2);

    // a password change is in force at once after the reload
    const before = fileState(spied);
    const snapshot = await readUsersFile(file);
    await writeUsersFile(snapshot, editUser(snapshot.text, "alice", { hash: await hashPassword("new-secret") }));
    await reloaded(spied, before);
    expect(codeOf(await ask(spied, basic("alice", "alice-secret")))).toBe("credential_invalid");
    expect(codeOf(await ask(spied, basic("alice", "new-secret")))).toBe("identity");
    expect(verify).toHaveBeenCalledTimes(4);
  });

  it("flushes the cache when a user is disabled by a file edit", async () => {
    const { realm, file } = await open(await usersYaml());
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("identity");
    const before = fileState(realm);
    const text = await readFile(file, "utf8");
    await writeFile(file, text.replace("groups: [operators, /plant/supervisors]", "groups: [operators, /plant/supervisors]\n    disabled: true"));
    await reloaded(realm, before);
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("credential_disabled");
    expect(realm.stillValid?.({ kind: "user", name: "alice" }, 0)).toBe("credential_disabled");
  });

  it("refuses every credential with credentials_unavailable while the users file does not load, never using the last good version", async () => {
    const { realm, file } = await open(await usersYaml());
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("identity");
    const before = fileState(realm);
    await writeFile(file, "users:\n  alice:\n    hash: scrypt$nope\n    grops: [x]\n");
    await reloaded(realm, before);
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("credentials_unavailable");
    expect(realm.stillValid?.({ kind: "user", name: "alice" }, 0)).toBe("credentials_unavailable");
    const status = realm.status();
    expect(status.ready).toBe(false);
    expect(status.file?.revision).toBeNull();
    expect(status.file?.problems.map((p) => `${String(p.line)}:${String(p.column)} ${p.message}`)).toEqual([
      expect.stringMatching(/^4:5 unknown key `grops` in `users.alice`/),
    ]);
    const broken = fileState(realm);
    await writeFile(file, "users:\n  alice:\n    hash: scrypt$nope\n");
    await reloaded(realm, broken);
    expect(realm.status().file?.problems.map((p) => `${String(p.line)}:${String(p.column)} ${p.message}`)).toEqual([
      "3:5 the hash of user `alice` is not an scrypt hash of the form `scrypt$N=…,r=…,p=…$<salt>$<hash>`",
    ]);
    const stillBroken = fileState(realm);
    await writeFile(file, await usersYaml());
    await reloaded(realm, stillBroken);
    expect(realm.status().ready).toBe(true);
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("identity");
  });

  it("refuses with credentials_unavailable when the users file is missing", async () => {
    const dir = await tempDir();
    const realm = await createBasicRealm("local", config(join(dir, "nope.yaml")), undefined, { pollMs: 0 });
    realms.push(realm);
    expect(codeOf(await ask(realm, basic("alice", "alice-secret")))).toBe("credentials_unavailable");
    expect(realm.status().ready).toBe(false);
  });

  it("takes user names as data: `__proto__` and `constructor` are users like any other", async () => {
    const hash = await aliceHash();
    const { realm } = await open(await usersYaml(`  __proto__:\n    hash: "${hash}"\n    groups: [protos]\n  constructor:\n    hash: "${hash}"\n`));
    expect(await ask(realm, basic("__proto__", "alice-secret"))).toMatchObject({ kind: "identity", identity: { subject: "__proto__", groups: ["protos"] } });
    expect(await ask(realm, basic("constructor", "alice-secret"))).toMatchObject({ kind: "identity", identity: { subject: "constructor", groups: [] } });
    expect(codeOf(await ask(realm, basic("toString", "alice-secret")))).toBe("credential_invalid");
    expect(codeOf(await ask(realm, basic("hasOwnProperty", "alice-secret")))).toBe("credential_invalid");
  });

  it("counts very long user names under a digest", async () => {
    const verify = fakeVerify();
    const { realm } = await open(await usersYaml(), {}, { verify });
    const long = "x".repeat(100_000);
    for (let i = 0; i < 10; i++) await ask(realm, basic(long, "right"), `198.51.100.${String(i)}`);
    expect(codeOf(await ask(realm, basic(long, "right"), "198.51.100.200"))).toBe("too_many_failures");
  });
});

describe("SuccessCache", () => {
  it("is bounded, expires, and cannot confuse where the user ends and the password begins", () => {
    let now = 0;
    const cache = new SuccessCache<string>(2, 1000, () => now);
    cache.set("a", "b\0c", "A");
    expect(cache.get("a", "b\0c")).toBe("A");
    expect(cache.get("a\0b", "c")).toBeUndefined();
    cache.set("u1", "p", "1");
    cache.set("u2", "p", "2");
    expect(cache.size).toBe(2);
    expect(cache.get("a", "b\0c")).toBeUndefined();
    now = 1000;
    expect(cache.get("u2", "p")).toBeUndefined();
    expect(new SuccessCache<string>(0, 1000).size).toBe(0);
  });
});

describe("users file", () => {
  it("places schema and hash problems at their line and column", () => {
    const parsed = parseUsersFile(Buffer.from("users:\n  bob:\n    hash: scrypt$N=1000,r=8,p=1$YWFhYWFhYWFhYWFhYWFhYQ==$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=\n"), "users.yaml");
    expect(parsed).toEqual({ problems: [expect.objectContaining({ file: "users.yaml", line: 3, column: 5, message: "the hash of user `bob` has N=1000; N must be a power of two from 2 to 1048576" })] });
  });

  it("refuses user names Basic cannot send and groups with stray whitespace", () => {
    const hash = "scrypt$N=1024,r=8,p=1$YWFhYWFhYWFhYWFhYWFhYQ==$YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=";
    const parsed = parseUsersFile(Buffer.from(`users:\n  "a:b":\n    hash: ${hash}\n  c:\n    hash: ${hash}\n    groups: [ok, " ops"]\n`), "users.yaml");
    expect("problems" in parsed && parsed.problems.map((p) => `${String(p.line)}:${String(p.column)} ${p.message}`)).toEqual([
      "2:3 user name `a:b` holds `:`, which Basic authentication cannot send in a user name",
      "6:18 group ` ops` of user `c` has leading or trailing whitespace; write `ops`",
    ]);
  });

  it("reads an empty file as no users", () => {
    const parsed = parseUsersFile(Buffer.from(""), "users.yaml");
    expect("value" in parsed && parsed.value.size).toBe(0);
  });
});
