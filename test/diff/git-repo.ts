/** Real git repositories in temp directories, for diff tests: write files, commit, branch. */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

// The user's git configuration (hooks, signing, templates) must not leak into tests.
const ENV = { ...process.env, GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1", LC_ALL: "C" };

/** A git repository in a fresh temp directory. */
export class TestRepo {
  private constructor(readonly dir: string) {}

  /** `git init` with `main` as the first branch. */
  static async create(): Promise<TestRepo> {
    const dir = await mkdtemp(join(tmpdir(), "treerights-git-"));
    const repo = new TestRepo(dir);
    await repo.git("-c", "init.defaultBranch=main", "init", "-q");
    return repo;
  }

  /** Runs git in the repository and returns its stdout. */
  async git(...args: string[]): Promise<string> {
    const { stdout } = await run("git", ["-C", this.dir, ...args], { env: ENV, maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  }

  /** Writes each file (relative path → content); `null` deletes it. */
  async write(files: Readonly<Record<string, string | null>>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      const full = join(this.dir, path);
      if (content === null) {
        await rm(full, { recursive: true, force: true });
      } else {
        await mkdir(dirname(full), { recursive: true });
        await writeFile(full, content);
      }
    }
  }

  /** Creates empty directories (git keeps them by a `.keep` file). */
  async dirs(paths: readonly string[]): Promise<void> {
    await this.write(Object.fromEntries(paths.map((p) => [`${p}/.keep`, ""])));
  }

  /** A symbolic link at `path` pointing to `target`. */
  async link(path: string, target: string): Promise<void> {
    await mkdir(dirname(join(this.dir, path)), { recursive: true });
    await symlink(target, join(this.dir, path));
  }

  /** Stages everything and commits; resolves to the commit id. */
  async commit(message: string): Promise<string> {
    await this.git("add", "-A", "--force");
    await this.git("-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message);
    return (await this.git("rev-parse", "HEAD")).trim();
  }

  /** Removes the repository. */
  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}
