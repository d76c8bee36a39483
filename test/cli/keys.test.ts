/** `treerights keys create|list|revoke|rotate`: keys shown once, only hashes on disk, and the realm following every write. */
import { readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { hashApiKey, parseApiKey } from "../../src/server/identity/api-keys/api-key.js";
import { createApiKeysRealm } from "../../src/server/identity/api-keys/api-keys-realm.js";
import type { Realm, RealmAnswer } from "../../src/server/identity/identity.js";
import { runCli } from "./helpers.js";
import { scratch } from "../support/scratch.js";

const { tempDir, keep } = scratch("keys-cli");

/** `keys create` on `file`; the key it printed. */
async function create(file: string, ...extra: string[]): Promise<string> {
  const r = await runCli("keys", "create", "--file", file, "--owner", "ci", "--group", "ops", ...extra);
  expect(r.stderr).toContain("shown only once");
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

async function realmOn(file: string, options: { pollMs?: number; now?: () => number } = { pollMs: 10 }): Promise<Realm> {
  const realm = await createApiKeysRealm("machines", { file }, undefined, options);
  keep(realm);
  return realm;
}

async function codeFor(realm: Realm, key: string): Promise<string | null> {
  const answer: RealmAnswer = await realm.authenticate({ kind: "apiKey", key }, { peer: "127.0.0.1" });
  if (answer === null) return null;
  return answer.kind === "refused" ? answer.code : "identity";
}

async function until(realm: Realm, key: string, code: string, ms: number): Promise<number> {
  const start = Date.now();
  for (let i = 0; i < ms / 20 + 1; i++) {
    if ((await codeFor(realm, key)) === code) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not \`${code}\` within ${ms} ms: ${String(await codeFor(realm, key))}`);
}

describe("keys create", () => {
  it("prints the key once on stdout; the file holds only its hash, mode 0600", async () => {
    const file = join(await tempDir(), "keys.yaml");
    const r = await runCli("keys", "create", "--file", file, "--owner", "ci-deploy", "--group", "ops", "--group", "readers", "--scope", "READ:/plant/**", "--comment", "deploys");
    expect(r.code).toBe(0);
    const key = r.stdout.trimEnd();
    expect(r.stdout).toBe(`${key}\n`);
    const parts = parseApiKey(key);
    expect(parts).not.toBeNull();
    expect(r.stderr).not.toContain(parts!.secret);
    const text = await readFile(file, "utf8");
    expect(text).not.toContain(parts!.secret);
    expect(text).not.toContain(key);
    expect(text).toContain(hashApiKey(key));
    expect(text).toContain(`id: ${parts!.id}`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // The realm accepts it, scopes carried into the identity.
    const realm = await realmOn(file);
    expect(await realm.authenticate({ kind: "apiKey", key }, { peer: "127.0.0.1" })).toEqual({
      kind: "identity",
      identity: { realm: "machines", subject: "ci-deploy", groups: ["ops", "readers"], scopes: ["READ:/plant/**"], source: { kind: "apiKey", id: parts!.id, fp: expect.stringMatching(/^[\w-]{16}$/) } },
    });
    // list never shows it again.
    const listed = await runCli("keys", "list", "--file", file);
    expect(listed.stdout).toContain(parts!.id);
    expect(listed.stdout).not.toContain(parts!.secret);
    expect(listed.stdout).not.toContain("sha256:");
  });

  it("adds to an existing file, and --expires takes a duration, a date or a date-time in the future", async () => {
    const file = join(await tempDir(), "keys.yaml");
    const before = Date.now();
    const first = await create(file, "--expires", "90d");
    await create(file, "--expires", "2999-01-31");
    await create(file, "--expires", "2999-01-31T12:30:00+02:00");
    const r = await runCli("keys", "list", "--file", file, "--format", "json");
    expect(r.code).toBe(0);
    const { keys } = JSON.parse(r.stdout) as { keys: { id: string; expires: string }[] };
    expect(keys.map((k) => k.expires.slice(0, 19))).toEqual([expect.any(String), "2999-01-31T00:00:00", "2999-01-31T10:30:00"]);
    expect(Date.parse(keys[0]!.expires) - before).toBeGreaterThanOrEqual(90 * 86_400_000);
    expect(keys[0]!.id).toBe(parseApiKey(first)?.id);
    for (const bad of ["yesterday", "2000-01-01", "2999-02-30x", "0s"]) {
      const refused = await runCli("keys", "create", "--file", file, "--owner", "ci", "--group", "ops", "--expires", bad);
      expect(refused.code, bad).toBe(2);
      expect(refused.stdout).toBe("");
      expect(refused.stderr).toMatch(/^error: --expires `.*` is not/);
    }
  });

  it("refuses bad options with exit 2 and writes nothing", async () => {
    const dir = await tempDir();
    const file = join(dir, "keys.yaml");
    for (const argv of [
      ["--owner", "ci"],
      ["--owner", "", "--group", "ops"],
      ["--owner", "ci", "--group", "ops", "--scope", "/plant/**"],
      ["--owner", "ci", "--group", "ops", "--scope", "read:/plant"],
    ]) {
      const r = await runCli("keys", "create", "--file", file, ...argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
    }
    const both = await runCli("keys", "create", "--file", file, "--config", join(dir, "server.yaml"), "--owner", "ci", "--group", "ops");
    expect(both).toMatchObject({ code: 2, stderr: "error: give either --file, or --config with --realm, not both\n" });
    const neither = await runCli("keys", "list");
    expect(neither).toMatchObject({ code: 2, stderr: expect.stringContaining("name the keys file") });
    await expect(stat(file)).rejects.toThrow();
  });
});

describe("keys list", () => {
  it("lists id, owner, groups, scopes, expires, revoked and created as text and JSON", async () => {
    const file = join(await tempDir(), "keys.yaml");
    const a = parseApiKey(await create(file, "--scope", "READ:/plant/**", "--scope", "WRITE:/plant/north/**"))!;
    const b = parseApiKey(await create(file, "--group", "readers"))!;
    expect((await runCli("keys", "revoke", b.id, "--file", file)).code).toBe(0);
    const text = await runCli("keys", "list", "--file", file);
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^ID +OWNER +GROUPS +SCOPES +EXPIRES +REVOKED +CREATED$/);
    expect(lines[1]).toMatch(new RegExp(`^${a.id} +ci +ops +READ:/plant/\\*\\*,WRITE:/plant/north/\\*\\* +never +no +\\d{4}-`));
    expect(lines[2]).toMatch(new RegExp(`^${b.id} +ci +ops,readers +- +never +yes +\\d{4}-`));
    const json = await runCli("keys", "list", "--file", file, "--format", "json");
    expect(JSON.parse(json.stdout)).toEqual({
      file,
      keys: [
        { id: a.id, owner: "ci", groups: ["ops"], scopes: ["READ:/plant/**", "WRITE:/plant/north/**"], expires: null, revoked: false, created: expect.any(String), comment: null },
        { id: b.id, owner: "ci", groups: ["ops", "readers"], scopes: null, expires: null, revoked: true, created: expect.any(String), comment: null },
      ],
    });
  });

  it("reports a keys file that does not load with file:line:column and exit 2, and a missing one", async () => {
    const dir = await tempDir();
    const file = join(dir, "keys.yaml");
    await writeFile(file, "keys:\n  - id: 0123456789ab\n    owner: ci\n    groups: [ops]\n");
    for (const argv of [["list"], ["revoke", "0123456789ab"], ["rotate", "0123456789ab"], ["create", "--owner", "ci", "--group", "ops"]]) {
      const r = await runCli("keys", ...argv, "--file", file);
      expect(r.code, argv[0]).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`error: keys file \`${file}\` does not load (1 error)\n${file}:2:5: error: \`keys[0]\` needs \`hash\` [schema_violation]\n`);
    }
    const missing = await runCli("keys", "list", "--file", join(dir, "absent.yaml"));
    expect(missing).toMatchObject({ code: 2, stderr: `error: keys file \`${join(dir, "absent.yaml")}\` does not exist\n` });
  });
});

describe("keys revoke", () => {
  it("is refused on the next authenticate, and within 2 s with the default poll", async () => {
    const file = join(await tempDir(), "keys.yaml");
    const key = await create(file);
    const other = await create(file);
    const { id } = parseApiKey(key)!;
    const fast = await realmOn(file);
    const standard = await realmOn(file, {});
    expect(await codeFor(fast, key)).toBe("identity");
    expect(await codeFor(standard, key)).toBe("identity");
    const r = await runCli("keys", "revoke", id, "--file", file);
    expect(r).toMatchObject({ code: 0, stdout: `revoked key \`${id}\` of \`ci\`\n` });
    await until(fast, key, "credential_revoked", 1000);
    expect(await until(standard, key, "credential_revoked", 2000)).toBeLessThan(2000);
    expect(await codeFor(fast, other)).toBe("identity");
    expect(fast.stillValid?.({ kind: "apiKey", id }, Date.now() / 1000)).toBe("credential_revoked");
    const again = await runCli("keys", "revoke", id, "--file", file);
    expect(again).toMatchObject({ code: 0, stdout: expect.stringContaining("already revoked") });
  });

  it("exits 2 naming an unknown id", async () => {
    const file = join(await tempDir(), "keys.yaml");
    await create(file);
    const r = await runCli("keys", "revoke", "0123456789ab", "--file", file);
    expect(r).toMatchObject({ code: 2, stdout: "", stderr: `error: unknown key id \`0123456789ab\` in \`${file}\`\n` });
  });
});

describe("keys rotate", () => {
  it("prints a new key with the same owner, groups and scopes; the old key works until the overlap ends", async () => {
    const file = join(await tempDir(), "keys.yaml");
    const old = await create(file, "--group", "readers", "--scope", "READ:/plant/**");
    const oldId = parseApiKey(old)!.id;
    const before = Date.now();
    const r = await runCli("keys", "rotate", oldId, "--file", file, "--overlap", "1h");
    expect(r.code).toBe(0);
    const fresh = r.stdout.trimEnd();
    expect(r.stdout).toBe(`${fresh}\n`);
    const freshId = parseApiKey(fresh)!.id;
    expect(freshId).not.toBe(oldId);
    expect(await readFile(file, "utf8")).not.toContain(parseApiKey(fresh)!.secret);
    let now = Date.now();
    const realm = await realmOn(file, { pollMs: 0, now: () => now });
    const identity = await realm.authenticate({ kind: "apiKey", key: fresh }, { peer: "127.0.0.1" });
    expect(identity).toMatchObject({ kind: "identity", identity: { subject: "ci", groups: ["ops", "readers"], scopes: ["READ:/plant/**"] } });
    expect(await codeFor(realm, old)).toBe("identity");
    const listed = JSON.parse((await runCli("keys", "list", "--file", file, "--format", "json")).stdout) as { keys: { id: string; expires: string | null }[] };
    const oldExpires = Date.parse(listed.keys.find((k) => k.id === oldId)!.expires!);
    expect(oldExpires - before).toBeGreaterThanOrEqual(3_600_000);
    expect(oldExpires - before).toBeLessThan(3_600_000 + 60_000);
    expect(listed.keys.find((k) => k.id === freshId)?.expires).toBeNull();
    now = oldExpires;
    expect(await codeFor(realm, old)).toBe("credential_expired");
    expect(await codeFor(realm, fresh)).toBe("identity");
  });

  it("overlaps 24 h by default, keeps an earlier expiry, and refuses a revoked or unknown key", async () => {
    const file = join(await tempDir(), "keys.yaml");
    const a = parseApiKey(await create(file))!.id;
    const b = parseApiKey(await create(file, "--expires", "1h"))!.id;
    const before = Date.now();
    expect((await runCli("keys", "rotate", a, "--file", file)).code).toBe(0);
    const expiresOfB = async (): Promise<string | null | undefined> =>
      (JSON.parse((await runCli("keys", "list", "--file", file, "--format", "json")).stdout) as { keys: { id: string; expires: string | null }[] }).keys.find((k) => k.id === b)?.expires;
    const bBefore = await expiresOfB();
    const rb = await runCli("keys", "rotate", b, "--file", file);
    expect(rb.code).toBe(0);
    expect(rb.stderr).toContain("give it one with --expires");
    expect(await expiresOfB()).toBe(bBefore);
    const json = JSON.parse((await runCli("keys", "list", "--file", file, "--format", "json")).stdout) as { keys: { id: string; expires: string | null }[] };
    const aExpires = Date.parse(json.keys.find((k) => k.id === a)!.expires!);
    expect(aExpires - before).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(aExpires - before).toBeLessThan(24 * 3_600_000 + 60_000);
    expect(json.keys).toHaveLength(4);
    await runCli("keys", "revoke", a, "--file", file);
    expect(await runCli("keys", "rotate", a, "--file", file)).toMatchObject({ code: 2, stdout: "", stderr: expect.stringContaining(`key \`${a}\` is revoked`) });
    expect(await runCli("keys", "rotate", "ffffffffffff", "--file", file)).toMatchObject({ code: 2, stderr: expect.stringContaining("unknown key id `ffffffffffff`") });
    expect(await runCli("keys", "rotate", b, "--file", file, "--overlap", "soon")).toMatchObject({ code: 2, stdout: "" });
  });
});

describe("keys --config", () => {
  it("finds the keys file through the server config's apiKeys realm", async () => {
    const dir = await tempDir();
    const config = join(dir, "server.yaml");
    await writeFile(config, [
      "realms:",
      "  - name: machines",
      "    apiKeys: { file: keys.yaml }",
      "  - name: proxy",
      "    headers: { trustedProxies: [127.0.0.1/32] }",
      "",
    ].join("\n"));
    const r = await runCli("keys", "create", "--config", config, "--realm", "machines", "--owner", "ci", "--group", "ops");
    expect(r.code).toBe(0);
    const { id } = parseApiKey(r.stdout.trim())!;
    expect(await readFile(join(dir, "keys.yaml"), "utf8")).toContain(`id: ${id}`);
    // The config's only apiKeys realm needs no --realm.
    expect((await runCli("keys", "list", "--config", config)).stdout).toContain(id);
    expect(await runCli("keys", "list", "--config", config, "--realm", "proxy")).toMatchObject({
      code: 2, stderr: `error: realm \`proxy\` of \`${config}\` is a \`headers\` realm, not \`apiKeys\` (its apiKeys realms: \`machines\`)\n`,
    });
    expect(await runCli("keys", "list", "--config", config, "--realm", "nope")).toMatchObject({ code: 2, stderr: expect.stringContaining("no realm `nope`") });
    await writeFile(config, "realms: 3\n");
    const broken = await runCli("keys", "list", "--config", config, "--realm", "machines");
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: the server config does not load \(1 error\)\n.*server\.yaml:\d+:\d+: error: .*realms/);
  });
});

describe("keys --help", () => {
  it("documents the options, the file handling and the exit codes", async () => {
    const r = await runCli("keys", "rotate", "--help");
    expect(r.code).toBe(0);
    for (const text of ["--overlap <duration>", "--file <keys.yaml>", "--config <file>", "--realm <name>", "Comments in it are not kept", "Exit codes: 0 done, 2 error"]) {
      expect(r.stdout).toContain(text);
    }
  });
});
