/** `treerights users add|passwd|disable|enable|list` against a users file, named directly or through a server config. */
import { chmod, readFile, readdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { run } from "../../src/cli/run.js";
import { createBasicRealm } from "../../src/server/identity/basic/basic-realm.js";
import type { Realm, RealmAnswer } from "../../src/server/identity/identity.js";
import type { CliResult } from "./helpers.js";
import { runCli } from "./helpers.js";
import { scratch } from "../support/scratch.js";

const { tempDir, keep } = scratch("users");

/** Runs the CLI in-process with `input` as stdin. */
async function runWithStdin(input: string, ...argv: string[]): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
    stdin: Readable.from([Buffer.from(input, "utf8")]),
  };
  const code = await run(argv, io);
  return { code, stdout, stderr };
}

async function openRealm(file: string): Promise<Realm> {
  const realm = await createBasicRealm("local", {
    file, cacheSize: 100, cacheTtlMs: 60_000, maxFailuresPerUser: 10, maxFailuresPerAddress: 50, failureWindowMs: 900_000,
  }, undefined, { pollMs: 20 });
  keep(realm);
  return realm;
}

async function login(realm: Realm, user: string, password: string): Promise<string> {
  const answer: RealmAnswer = await realm.authenticate({ kind: "basic", user, password }, { peer: "127.0.0.1" });
  if (answer === null) return "null";
  return answer.kind === "identity" ? `identity ${answer.identity.groups.join(",")}` : answer.code;
}

/** Waits (bounded) until `login` answers `expected`. */
async function eventually(check: () => Promise<string>, expected: string): Promise<void> {
  let last = "";
  for (let i = 0; i < 100; i++) {
    last = await check();
    if (last === expected) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(last).toBe(expected);
}

describe("treerights users", () => {
  it("adds a user with a password from stdin: a new 0600 file holding only the scrypt hash", async () => {
    const file = join(await tempDir(), "users.yaml");
    const added = await runWithStdin("correct horse battery staple\n", "users", "add", "alice", "--file", file, "--group", "operators", "--group", "/plant/supervisors", "--password-stdin");
    expect(added).toEqual({ code: 0, stdout: "", stderr: `added user \`alice\` to \`${file}\` (new file, mode 0600) with groups \`operators\`, \`/plant/supervisors\`\n` });
    const text = await readFile(file, "utf8");
    expect(text).not.toContain("correct horse");
    expect(text).toMatch(/hash: scrypt\$N=32768,r=8,p=1\$/);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    // no temporary file is left behind
    expect(await readdir(join(file, ".."))).toEqual(["users.yaml"]);
    const realm = await openRealm(file);
    expect(await login(realm, "alice", "correct horse battery staple")).toBe("identity operators,/plant/supervisors");

    const listed = await runCli("users", "list", "--file", file);
    expect(listed).toEqual({ code: 0, stdout: "alice\toperators,/plant/supervisors\n", stderr: `1 user in \`${file}\`\n` });
    const json = await runCli("users", "list", "--file", file, "--json");
    expect(JSON.parse(json.stdout)).toEqual({ file, users: [{ name: "alice", groups: ["operators", "/plant/supervisors"], disabled: false }] });
    expect(json.stdout).not.toContain("scrypt");
  });

  it("generates a strong password when none is given and prints it once, alone on stdout", async () => {
    const file = join(await tempDir(), "users.yaml");
    const added = await runCli("users", "add", "bob", "--file", file);
    expect(added.code).toBe(0);
    const password = added.stdout.trim();
    expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(await readFile(file, "utf8")).not.toContain(password);
    const realm = await openRealm(file);
    expect(await login(realm, "bob", password)).toBe("identity ");

    const changed = await runCli("users", "passwd", "bob", "--file", file);
    expect(changed.code).toBe(0);
    const next = changed.stdout.trim();
    expect(next).not.toBe(password);
    await eventually(() => login(realm, "bob", next), "identity ");
    expect(await login(realm, "bob", password)).toBe("credential_invalid");
  });

  it("disables a user: refused on the next attempt after the reload, also when the success was cached; enable undoes it", async () => {
    const file = join(await tempDir(), "users.yaml");
    expect((await runWithStdin("pw-carol", "users", "add", "carol", "--file", file, "--group", "ops", "--password-stdin")).code).toBe(0);
    const realm = await openRealm(file);
    expect(await login(realm, "carol", "pw-carol")).toBe("identity ops");
    const disabled = await runCli("users", "disable", "carol", "--file", file);
    expect(disabled).toEqual({ code: 0, stdout: "", stderr: `disabled user \`carol\` in \`${file}\`\n` });
    await eventually(() => login(realm, "carol", "pw-carol"), "credential_disabled");
    expect(realm.stillValid?.({ kind: "user", name: "carol" }, 0)).toBe("credential_disabled");
    expect((await runCli("users", "list", "--file", file)).stdout).toBe("carol\tops\tdisabled\n");
    expect((await runCli("users", "enable", "carol", "--file", file)).code).toBe(0);
    await eventually(() => login(realm, "carol", "pw-carol"), "identity ops");
  });

  it("keeps an existing file's mode, comments and other users", async () => {
    const file = join(await tempDir(), "users.yaml");
    expect((await runWithStdin("one", "users", "add", "a", "--file", file, "--password-stdin")).code).toBe(0);
    const text = await readFile(file, "utf8");
    await writeFile(file, `# users of the plant\n${text}`);
    await chmod(file, 0o640);
    expect((await runWithStdin("two", "users", "add", "b", "--file", file, "--group", "x", "--password-stdin")).code).toBe(0);
    const after = await readFile(file, "utf8");
    expect(after.startsWith("# users of the plant\n")).toBe(true);
    expect(after).toContain(text.split("\n").find((l) => l.includes("hash:")));
    expect((await stat(file)).mode & 0o777).toBe(0o640);
    expect((await runCli("users", "list", "--file", file)).stdout).toBe("a\t-\nb\tx\n");
  });

  it("takes `__proto__` and `constructor` as user names", async () => {
    const file = join(await tempDir(), "users.yaml");
    expect((await runWithStdin("p1", "users", "add", "__proto__", "--file", file, "--group", "g", "--password-stdin")).code).toBe(0);
    expect((await runWithStdin("p2", "users", "add", "constructor", "--file", file, "--password-stdin")).code).toBe(0);
    expect((await runCli("users", "list", "--file", file)).stdout).toBe("__proto__\tg\nconstructor\t-\n");
    const realm = await openRealm(file);
    expect(await login(realm, "__proto__", "p1")).toBe("identity g");
    expect(await login(realm, "constructor", "p2")).toBe("identity ");
    expect((await runCli("users", "disable", "__proto__", "--file", file)).code).toBe(0);
    await eventually(() => login(realm, "__proto__", "p1"), "credential_disabled");
  });

  it("refuses misuse with a clear message and exit 2", async () => {
    const dir = await tempDir();
    const file = join(dir, "users.yaml");
    expect((await runWithStdin("x", "users", "add", "alice", "--file", file, "--password-stdin")).code).toBe(0);
    const before = await readFile(file, "utf8");
    const cases: [string[], string, string?][] = [
      [["users", "add", "alice", "--file", file], `error: user \`alice\` already exists in \`${file}\`; set a new password with \`treerights users passwd\`\n`],
      [["users", "passwd", "bob", "--file", file], `error: no user \`bob\` in \`${file}\`; it has \`alice\`\n`],
      [["users", "disable", "bob", "--file", file], `error: no user \`bob\` in \`${file}\`; it has \`alice\`\n`],
      [["users", "add", "a:b", "--file", file], "holds `:`"],
      [["users", "add", "x", "--file", file, "--group", " ops"], "leading or trailing whitespace"],
      [["users", "add", "x"], "error: name the users file: --config <server config> --realm <basic realm>, or --file <users.yaml>\n"],
      [["users", "add", "x", "--file", file, "--realm", "r"], "error: give either --file, or --config with --realm, not both\n"],
      [["users", "add", "x", "--file", file, "--password-stdin"], "error: the password on stdin is empty\n", ""],
      [["users", "add", "x", "--file", file, "--password-stdin"], "error: the password on stdin is empty\n", "\n"],
      [["users", "add", "x", "--file", file, "--password-stdin"], "is over 1024 bytes", "x".repeat(2000)],
    ];
    for (const [argv, message, stdin] of cases) {
      const result = await runWithStdin(stdin ?? "", ...argv);
      expect(result.code, argv.join(" ")).toBe(2);
      expect(result.stdout, argv.join(" ")).toBe("");
      if (message.endsWith("\n")) expect(result.stderr, argv.join(" ")).toBe(message);
      else expect(result.stderr, argv.join(" ")).toContain(message);
    }
    expect(await readFile(file, "utf8")).toBe(before);
  });

  it("names a broken users file's problems with file, line and column, and leaves the file alone", async () => {
    const file = join(await tempDir(), "users.yaml");
    const broken = "users:\n  alice:\n    hash: scrypt$x\n    grops: [a]\n";
    await writeFile(file, broken);
    const result = await runCli("users", "add", "bob", "--file", file);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe([
      "error: the users file did not load (1 error)",
      `${file}:4:5: error: unknown key \`grops\` in \`users.alice\` (did you mean \`groups\`?) [schema_violation]`,
      "",
    ].join("\n"));
    expect(await readFile(file, "utf8")).toBe(broken);
    // once the schema holds, the hash itself is checked
    await writeFile(file, "users:\n  alice:\n    hash: scrypt$x\n");
    expect((await runCli("users", "add", "bob", "--file", file)).stderr).toBe([
      "error: the users file did not load (1 error)",
      `${file}:3:5: error: the hash of user \`alice\` is not an scrypt hash of the form \`scrypt$N=…,r=…,p=…$<salt>$<hash>\` [schema_violation]`,
      "",
    ].join("\n"));
    const list = await runCli("users", "list", "--file", file);
    expect(list.code).toBe(2);
  });

  it("finds the users file through --config and --realm", async () => {
    const dir = await tempDir();
    const configFile = join(dir, "treerights.server.yaml");
    await writeFile(configFile, [
      "realms:",
      "  - name: machines",
      "    apiKeys: { file: keys.yaml }",
      "  - name: local",
      "    basic: { file: users.yaml }",
      "",
    ].join("\n"));
    const added = await runWithStdin("pw", "users", "add", "dora", "--config", configFile, "--realm", "local", "--group", "ops", "--password-stdin");
    expect(added.stderr).toBe(`added user \`dora\` to \`${join(dir, "users.yaml")}\` (new file, mode 0600) with groups \`ops\`\n`);
    expect(added.code).toBe(0);
    expect((await runCli("users", "list", "--config", configFile, "--realm", "local")).stdout).toBe("dora\tops\n");

    const wrongKind = await runCli("users", "add", "x", "--config", configFile, "--realm", "machines");
    expect(wrongKind).toEqual({ code: 2, stdout: "", stderr: `error: realm \`machines\` in \`${configFile}\` is a \`apiKeys\` realm; users belong to a \`basic\` realm\n` });
    const unknown = await runCli("users", "add", "x", "--config", configFile, "--realm", "nope");
    expect(unknown).toEqual({ code: 2, stdout: "", stderr: `error: no realm \`nope\` in \`${configFile}\`; its realms: \`machines\`, \`local\`\n` });

    await writeFile(configFile, "realms:\n  - name: local\n    basic: { fil: users.yaml }\n");
    const broken = await runCli("users", "list", "--config", configFile, "--realm", "local");
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^error: server config `.*` did not load \(\d+ errors?\)\n/);
    expect(broken.stderr).toContain(`${configFile}:3:`);
  });
});
