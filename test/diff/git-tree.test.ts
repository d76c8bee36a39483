/** `readGitTree` on real repositories: rights files straight from git objects, no checkout. */
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TreeRightsError } from "../../src/engine/index.js";
import { readTree } from "../../src/loader/index.js";
import { readGitTree, readGitTrees } from "../../src/loader/git/git-tree.js";
import { TestRepo } from "./git-repo.js";

const ROOT = "READ:\n  override: [staff]\nWRITE:\n  override: [admins]\n";
const PLANT = "READ:\n  include: [operators]\n";

describe("readGitTree", () => {
  let repo: TestRepo;
  let first: string;
  let second: string;
  beforeAll(async () => {
    repo = await TestRepo.create();
    await repo.write({ "access.rights": ROOT, "plant/access.rights": PLANT, "README.md": "# rights\n" });
    await repo.dirs(["plant/north/a", "plant/south", "node_modules/x", "docs"]);
    await repo.write({ "node_modules/x/access.rights": "READ: {override: [evil]}\n" });
    first = await repo.commit("first");
    await repo.write({ "plant/access.rights": "READ:\n  include: [operators, contractors]\n", "plant/north/access.rights": "WRITE:\n  include: [operators]\n" });
    second = await repo.commit("second");
  });
  afterAll(() => repo.remove());

  it("reads files, directories and the commit of a revision", async () => {
    const snapshot = await readGitTree(repo.dir, "HEAD");
    expect(snapshot.commit).toBe(second);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.rightsPaths).toEqual(["access.rights", "plant/access.rights", "plant/north/access.rights"]);
    expect(snapshot.files.map((f) => [f.file, f.READ?.include ?? f.READ?.override, f.WRITE?.include ?? f.WRITE?.override])).toEqual([
      ["access.rights", ["staff"], ["admins"]],
      ["plant/access.rights", ["operators", "contractors"], undefined],
      ["plant/north/access.rights", undefined, ["operators"]],
    ]);
    // `.git` and `node_modules` are never read, as on disk.
    expect(snapshot.directories).toEqual(["", "docs", "plant", "plant/north", "plant/north/a", "plant/south"]);
    expect(snapshot.files[1]?.READ?.at).toEqual({ line: 1, column: 1 });
  });

  it("gives the revision readTree gives the same files on disk", async () => {
    const [fromGit, fromDisk] = await Promise.all([readGitTree(repo.dir, "HEAD"), readTree(repo.dir)]);
    expect(fromGit.revision).toBe(fromDisk.revision);
    expect(fromGit.files).toEqual(fromDisk.files);
    expect((await readGitTree(repo.dir, first)).revision).not.toBe(fromDisk.revision);
  });

  it("reads several revisions in one pass, each as readGitTree reads it alone", async () => {
    const [old, now, again] = await readGitTrees(repo.dir, ["HEAD~1", "HEAD", first]);
    expect(old).toEqual(await readGitTree(repo.dir, "HEAD~1"));
    expect(now).toEqual(await readGitTree(repo.dir, "HEAD"));
    expect(again?.revision).toBe(old?.revision);
    // Unchanged files come from one parse: the same objects in both snapshots.
    expect(now?.files[0]).toBe(old?.files[0]);
    await expect(readGitTrees(repo.dir, ["HEAD", "nope"])).rejects.toThrow(/^unknown revision `nope`/);
  });

  it("reads an old revision without touching the work tree or the index", async () => {
    const index = join(repo.dir, ".git", "index");
    const before = (await stat(index)).mtimeMs;
    const old = await readGitTree(repo.dir, "HEAD~1");
    expect(old.commit).toBe(first);
    expect(old.rightsPaths).toEqual(["access.rights", "plant/access.rights"]);
    expect(await readFile(join(repo.dir, "plant/access.rights"), "utf8")).toContain("contractors");
    expect((await stat(index)).mtimeMs).toBe(before);
    // (`git status` may refresh the index itself, so it is asked last.)
    expect(await repo.git("status", "--porcelain")).toBe("");
  });

  it("reads a subdirectory as the tree root with `tree`", async () => {
    const sub = await TestRepo.create();
    try {
      await sub.write({ "config/rights/access.rights": ROOT, "config/rights/plant/access.rights": PLANT, "src/main.c": "" });
      await sub.commit("nested");
      const snapshot = await readGitTree(sub.dir, "main", { tree: "/config/rights/" });
      expect(snapshot.problems).toEqual([]);
      expect(snapshot.rightsPaths).toEqual(["access.rights", "plant/access.rights"]);
      expect(snapshot.files.map((f) => f.dir)).toEqual(["", "plant"]);
      expect(snapshot.directories).toEqual(["", "plant"]);
      // Works from any directory of the work tree.
      expect((await readGitTree(join(sub.dir, "src"), "main", { tree: "config/rights" })).rightsPaths).toHaveLength(2);

      const missing = await readGitTree(sub.dir, "main", { tree: "config/nope" });
      expect(missing.problems.map((p) => [p.code, p.message])).toEqual([
        ["root_not_found", "tree root `config/nope` does not exist at revision `main`; pass a directory of the repository with its rights tree"],
      ]);
      const file = await readGitTree(sub.dir, "main", { tree: "src/main.c" });
      expect(file.problems[0]?.message).toContain("is not a directory");
      const noRoot = await readGitTree(sub.dir, "main", { tree: "config" });
      expect(noRoot.problems.map((p) => p.code)).toEqual(["missing_root_rights"]);
    } finally {
      await sub.remove();
    }
  });

  it("reports symbolic links, directories named access.rights, big and broken files like the disk loader", async () => {
    const odd = await TestRepo.create();
    try {
      await odd.write({
        "access.rights": ROOT,
        "real/access.rights": PLANT,
        "dir/access.rights/x": "",
        "big/access.rights": `# ${"x".repeat(1024 * 1024)}\n`,
        "broken/access.rights": "READ:\n  override: [a]\nWrite:\n  override: [b]\n",
      });
      await odd.link("linked/access.rights", "../real/access.rights");
      await odd.link("elsewhere", "real");
      await odd.commit("odd");
      const snapshot = await readGitTree(odd.dir, "HEAD");
      const byFile = Object.fromEntries(snapshot.problems.map((p) => [p.file, [p.code, p.severity, p.line]]));
      expect(byFile).toEqual({
        "big/access.rights": ["file_too_large", "error", 0],
        "broken/access.rights": ["unknown_key", "error", 3],
        "dir/access.rights": ["not_regular_file", "error", 0],
        "elsewhere": ["symlink", "warning", 0],
        "linked/access.rights": ["not_regular_file", "error", 0],
      });
      expect(snapshot.problems.find((p) => p.file === "linked/access.rights")?.message).toBe(
        "`linked/access.rights` is a symbolic link (links are not followed), not a regular file; replace it with a regular file",
      );
      expect(snapshot.files.map((f) => f.file)).toEqual(["access.rights", "real/access.rights"]);
    } finally {
      await odd.remove();
    }
  });

  it("reads many files through one streamed batch, a large one among them", async () => {
    const many = await TestRepo.create();
    try {
      const files: Record<string, string> = { "access.rights": ROOT };
      for (let i = 0; i < 300; i++) files[`d${i}/access.rights`] = `READ:\n  include: [g${i}]\n`;
      files["large/access.rights"] = `READ:\n  include:\n${Array.from({ length: 20_000 }, (_, i) => `    - group-${i}\n`).join("")}`;
      await many.write(files);
      await many.commit("many");
      const snapshot = await readGitTree(many.dir, "HEAD", { ignore: ["d1*/**"] });
      expect(snapshot.problems).toEqual([]);
      // d1, d10..d19, d100..d199 are ignored: 111 of 300.
      expect(snapshot.files).toHaveLength(1 + 300 - 111 + 1);
      expect(snapshot.files.find((f) => f.dir === "large")?.READ?.include).toHaveLength(20_000);
      expect(snapshot.files.find((f) => f.dir === "d299")?.READ?.include).toEqual(["g299"]);
    } finally {
      await many.remove();
    }
  });

  it("reads a tree object, such as the staged files `git write-tree` names", async () => {
    const staged = await TestRepo.create();
    try {
      await staged.write({ "access.rights": ROOT });
      await staged.commit("one");
      await staged.write({ "plant/access.rights": PLANT });
      await staged.git("add", "plant/access.rights");
      const tree = (await staged.git("write-tree")).trim();
      const snapshot = await readGitTree(staged.dir, tree);
      expect(snapshot.commit).toBeNull();
      expect(snapshot.rightsPaths).toEqual(["access.rights", "plant/access.rights"]);
    } finally {
      await staged.remove();
    }
  });

  it("honours `treerights.yaml` ignore globs and hashes it into the revision like readTree", async () => {
    const configured = await TestRepo.create();
    try {
      await configured.write({
        "treerights.yaml": "ignore:\n  - \"archive/**\"\n",
        "access.rights": ROOT,
        "plant/access.rights": PLANT,
        "archive/old/access.rights": "READ: [broken\n",
      });
      await configured.commit("configured");
      const [fromGit, fromDisk] = await Promise.all([readGitTree(configured.dir, "HEAD"), readTree(configured.dir)]);
      expect(fromGit.problems).toEqual([]);
      expect(fromGit.rightsPaths).toEqual(["access.rights", "plant/access.rights"]);
      expect(fromGit.directories).toEqual(["", "plant"]);
      expect(fromGit.config?.ignore).toEqual(["archive/**"]);
      expect(fromGit.revision).toBe(fromDisk.revision);
    } finally {
      await configured.remove();
    }
  });

  it("throws a clear error for an unknown revision, a non-repository and bad arguments", async () => {
    const failure = async (repoDir: string, rev: string, tree?: string): Promise<string> => {
      const err: unknown = await readGitTree(repoDir, rev, tree === undefined ? {} : { tree }).then(() => null, (e: unknown) => e);
      expect(err).toBeInstanceOf(TreeRightsError);
      return (err as TreeRightsError).message;
    };
    expect(await failure(repo.dir, "no-such-branch")).toBe(`unknown revision \`no-such-branch\` in \`${repo.dir}\`; fetch it or check its spelling`);
    expect(await failure(repo.dir, "HEAD~5")).toMatch(/^unknown revision `HEAD~5`/);
    expect(await failure(join(repo.dir, "missing"), "HEAD")).toBe(`repository \`${join(repo.dir, "missing")}\` does not exist`);
    const plain = await mkdtemp(join(tmpdir(), "treerights-plain-"));
    try {
      expect(await failure(plain, "HEAD")).toBe(`\`${plain}\` is not a git repository`);
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
    expect(await failure(repo.dir, "--output=/tmp/x")).toBe("revision `--output=/tmp/x` is not a valid git revision");
    expect(await failure(repo.dir, "HEAD\nmain")).toMatch(/is not a valid git revision$/);
    expect(await failure(repo.dir, "HEAD", "../etc")).toMatch(/^tree `..\/etc` is not a path inside the repository/);
  });
});
