import { execFileSync } from "node:child_process";
import { mkdir, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRights } from "../../src/loader/read/read-rights-file.js";
import { MAX_RIGHTS_BYTES, RIGHTS_FILE, readRightsFile, readTree, readTreeWith } from "../../src/loader/read/read-tree.js";
import type { TreeFs } from "../../src/loader/read/tree-fs.js";
import { TimeSlicer, nodeFs } from "../../src/loader/read/tree-fs.js";
import { ignoreMatcher } from "../../src/loader/read/ignore.js";
import { DirQueue, walkTree } from "../../src/loader/read/walk.js";
import { makeTree, writeFiles } from "./tree-fixture.js";

const ROOT_RIGHTS = "READ: {include: [operators]}\nWRITE: {include: [supervisors]}\n";

/** `fs` with the calls on the given absolute paths failing with the given error codes. */
function failing(fs: TreeFs, faults: Partial<Record<"readdir" | "open" | "read", [string, string]>>): TreeFs {
  const fail = (call: keyof typeof faults, path: string): void => {
    const fault = faults[call];
    if (fault?.[0] === path) throw Object.assign(new Error(`${fault[1]}: injected`), { code: fault[1] });
  };
  const paths = new Map<number, string>();
  return {
    ...fs,
    readdir: (path) => { fail("readdir", path); return fs.readdir(path); },
    readdirAsync: (path, done) => {
      try {
        fail("readdir", path);
      } catch (err) {
        done(err as NodeJS.ErrnoException, []);
        return;
      }
      fs.readdirAsync(path, done);
    },
    open: (path, flags) => {
      fail("open", path);
      const fd = fs.open(path, flags);
      paths.set(fd, path);
      return fd;
    },
    read: (fd, buffer, offset, length, position) => { fail("read", paths.get(fd) ?? ""); return fs.read(fd, buffer, offset, length, position); },
  };
}

function codes(snapshot: { problems: readonly { code: string; file: string }[] }): string[][] {
  return snapshot.problems.map((p) => [p.code, p.file]);
}

describe("readTree", () => {
  it("reads every rights file with positions, sorted, with a revision", async () => {
    const root = await makeTree({
      "access.rights": ROOT_RIGHTS,
      "plant/north/access.rights": "WRITE:\n  override: [north-team]\n",
      "plant/values/pressure.txt": "not a rights file",
      "plant/access.rights": "READ: {exclude: operators}\n",
    });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.rightsPaths).toEqual(["access.rights", "plant/access.rights", "plant/north/access.rights"]);
    expect(snapshot.files.map((f) => [f.dir, f.file])).toEqual([
      ["", "access.rights"], ["plant", "plant/access.rights"], ["plant/north", "plant/north/access.rights"],
    ]);
    expect(snapshot.files[2]?.WRITE).toEqual({ override: ["north-team"], at: { line: 1, column: 1 } });
    expect(snapshot.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(RIGHTS_FILE).toBe("access.rights");
  });

  it("reports a missing root directory and a root that is a file", async () => {
    const base = await makeTree({ "plain.txt": "x" });
    const missing = await readTree(join(base, "nope"));
    expect(missing.problems).toMatchObject([{ code: "root_not_found", severity: "error", file: "", line: 0, column: 0 }]);
    expect(missing.problems[0]?.message).toContain("pass an existing directory");
    const file = await readTree(join(base, "plain.txt"));
    expect(file.problems).toMatchObject([{ code: "root_not_found", file: "" }]);
    expect(file.problems[0]?.message).toContain("is not a directory");
  });

  it("reports a missing root access.rights", async () => {
    const root = await makeTree({ "plant/access.rights": "READ: {include: a}\n" });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toEqual([{
      code: "missing_root_rights", severity: "error", file: "access.rights", line: 0, column: 0,
      message: "the tree root has no `access.rights`; create one (an empty file grants nothing)",
    }]);
    expect(snapshot.rightsPaths).toEqual(["plant/access.rights"]);
  });

  it("rejects an access.rights that is a directory, never reading it as empty", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "plant/access.rights/inner.txt": "x" });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([{ code: "not_regular_file", severity: "error", file: "plant/access.rights", line: 0, column: 0 }]);
    expect(snapshot.problems[0]?.message).toContain("is a directory, not a regular file");
    expect(snapshot.rightsPaths).toContain("plant/access.rights");
    expect(snapshot.files.map((f) => f.file)).toEqual(["access.rights"]);
  });

  it("rejects a symlink named access.rights, without following it", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "elsewhere.yaml": "READ: {include: [intruders]}\n" });
    await mkdir(join(root, "plant"));
    await symlink(join(root, "elsewhere.yaml"), join(root, "plant", "access.rights"));
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([{ code: "not_regular_file", file: "plant/access.rights" }]);
    expect(snapshot.problems[0]?.message).toContain("is a symbolic link");
    expect(JSON.stringify(snapshot.files)).not.toContain("intruders");
  });

  it("rejects a root access.rights that is a symlink", async () => {
    const root = await makeTree({ "real.rights": ROOT_RIGHTS });
    await symlink("real.rights", join(root, "access.rights"));
    expect(codes(await readTree(root))).toEqual([["not_regular_file", "access.rights"]]);
  });

  it("terminates on a symlink loop and reports the links", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "a/access.rights": "READ: {include: x}\n" });
    await mkdir(join(root, "b"));
    await symlink(join(root, "b"), join(root, "a", "to-b"));
    await symlink(join(root, "a"), join(root, "b", "to-a"));
    await symlink("self", join(root, "self"));
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([
      { code: "symlink", severity: "warning", file: "a/to-b", line: 0, column: 0 },
      { code: "symlink", severity: "warning", file: "b/to-a" },
      { code: "symlink", severity: "warning", file: "self" },
    ]);
    expect(snapshot.problems[0]?.message).toContain("is not followed");
    expect(snapshot.rightsPaths).toEqual(["a/access.rights", "access.rights"]);
  });

  it("rejects a 2 MiB file without parsing it", async () => {
    const big = `READ: {include: [a]}\n`.padEnd(2 * 1024 * 1024, "#");
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "plant/access.rights": big });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([{ code: "file_too_large", severity: "error", file: "plant/access.rights", line: 0, column: 0 }]);
    expect(snapshot.problems[0]?.message).toContain("is 2097152 bytes, over the 1 MiB (1048576 bytes) limit");
  });

  it("rejects a file one byte over 1 MiB", async () => {
    const root = await makeTree({ "access.rights": "#".repeat(MAX_RIGHTS_BYTES + 1) });
    expect(codes(await readTree(root))).toEqual([["file_too_large", "access.rights"]]);
  });

  it("accepts a file of exactly 1 MiB", async () => {
    const text = `READ: {include: [a]}\n`;
    const root = await makeTree({ "access.rights": text + "#".repeat(MAX_RIGHTS_BYTES - text.length) });
    expect((await readTree(root)).problems).toEqual([]);
  });

  it("rejects a named pipe named access.rights without blocking", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS });
    await mkdir(join(root, "plant"));
    execFileSync("mkfifo", [join(root, "plant", "access.rights")]);
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([{ code: "not_regular_file", file: "plant/access.rights" }]);
    expect(snapshot.problems[0]?.message).toContain("a named pipe");
  });

  it("never reads .git or node_modules, even when they hold broken rights files", async () => {
    const root = await makeTree({
      "access.rights": ROOT_RIGHTS,
      ".git/access.rights": "Write: [\n",
      ".git/objects/access.rights": "%YAML 1.1\n",
      "node_modules/pkg/access.rights": "READ: {include: 123}\n",
      "plant/node_modules/access.rights": "bad: [\n",
      "plant/.git": "gitdir: ../.git/worktrees/plant\n",
    });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.rightsPaths).toEqual(["access.rights"]);
  });

  it("skips paths matching the ignore globs, relative to the root with dot files", async () => {
    const root = await makeTree({
      "access.rights": ROOT_RIGHTS,
      "archive/access.rights": "broken: [\n",
      "plant/.drafts/access.rights": "broken: [\n",
      "plant/north/access.rights": "READ: {include: [a]}\n",
      "plant/south/access.rights": "broken: [\n",
      "tmp/x/access.rights": "broken: [\n",
    });
    const snapshot = await readTree(root, { ignore: ["archive/**", "**/.drafts", "plant/south/access.rights", "tmp/"] });
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.rightsPaths).toEqual(["access.rights", "plant/north/access.rights"]);
  });

  it("throws invalid_option for ignore globs that are not strings", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS });
    await expect(readTree(root, { ignore: [1] as unknown as string[] })).rejects.toMatchObject({ code: "invalid_option" });
  });

  it("lists every problem from several broken files at once, sorted", async () => {
    const root = await makeTree({
      "access.rights": "Write: {include: a}\nREAD: {include: [123]}\n",
      "b/access.rights": "READ: [\n",
      "a/access.rights": "READ: {override: a, include: b}\nWRITE:\n",
      "c/access.rights": Buffer.from([0x52, 0xff]),
      "d/access.rights": "",
    });
    const snapshot = await readTree(root);
    expect(snapshot.problems.map((p) => [p.file, p.line, p.column, p.code])).toEqual([
      ["a/access.rights", 1, 21, "override_with_include"],
      ["a/access.rights", 2, 1, "empty_level"],
      ["access.rights", 1, 1, "unknown_key"],
      ["access.rights", 2, 18, "non_string_group"],
      ["b/access.rights", 2, 1, "yaml_syntax"],
      ["c/access.rights", 1, 2, "not_utf8"],
      ["d/access.rights", 1, 1, "empty_file"],
    ]);
    expect(snapshot.files.map((f) => f.file)).toEqual(["d/access.rights"]);
  });

  it("keeps the revision for the same content and changes it with any byte", async () => {
    const files = { "access.rights": ROOT_RIGHTS, "plant/access.rights": "READ: {include: a}\n" };
    const one = await readTree(await makeTree(files));
    const two = await readTree(await makeTree({ ...files, "plant/notes.txt": "other files do not count" }));
    expect(two.revision).toBe(one.revision);
    const edited = await readTree(await makeTree({ ...files, "plant/access.rights": "READ: {include: b}\n" }));
    expect(edited.revision).not.toBe(one.revision);
    const moved = await readTree(await makeTree({ "access.rights": ROOT_RIGHTS, "plantx/access.rights": "READ: {include: a}\n" }));
    expect(moved.revision).not.toBe(one.revision);
    const broken = await readTree(await makeTree({ ...files, "plant/access.rights": "READ: [\n" }));
    expect(broken.problems).not.toEqual([]);
    expect(broken.revision).toMatch(/^[0-9a-f]{16}$/);
    expect(broken.revision).not.toBe(one.revision);
  });

  it("rejects a rights file in a directory no tree path can name", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "bad\u0007name/access.rights": "READ: {include: a}\n", "ok\u0007dir/x.txt": "" });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toMatchObject([{ code: "invalid_dir_name", severity: "error", file: "bad\u0007name/access.rights", line: 0 }]);
    expect(snapshot.problems[0]?.message).toContain("control character");
    expect(snapshot.files.map((f) => f.file)).toEqual(["access.rights"]);
  });

  it("loads a tree whose directories and groups are named like Object.prototype members", async () => {
    const root = await makeTree({
      "access.rights": "READ: {include: [__proto__]}\n",
      "__proto__/access.rights": "READ: {include: [constructor]}\n",
      "constructor/access.rights": "WRITE: {override: [hasOwnProperty]}\n",
    });
    const snapshot = await readTree(root);
    expect(snapshot.problems).toEqual([]);
    expect(snapshot.files.map((f) => f.dir)).toEqual(["__proto__", "", "constructor"]);
  });
});

describe("readRightsFile", () => {
  it("returns the parsed file and its raw bytes", async () => {
    const root = await makeTree({ "plant/access.rights": "READ: {include: a}\n" });
    const read = await readRightsFile(root, "plant/access.rights");
    expect(read.problems).toEqual([]);
    expect(read.file).toMatchObject({ dir: "plant", READ: { include: ["a"] } });
    expect(read.bytes?.toString()).toBe("READ: {include: a}\n");
  });

  it("returns nothing for a file that does not exist", async () => {
    const root = await makeTree();
    expect(await readRightsFile(root, "plant/access.rights")).toEqual({ file: null, problems: [], bytes: null });
  });

  it("returns the bytes with the problems of a broken file", async () => {
    const root = await makeTree({ "access.rights": "READ: {include: 1}\n" });
    const read = await readRightsFile(root, "access.rights");
    expect(read.file).toBeNull();
    expect(read.problems).toMatchObject([{ code: "non_string_group" }]);
    expect(read.bytes?.length).toBe(19);
  });

  it("reports a rights path that cannot be looked up as unreadable", async () => {
    const root = await makeTree();
    await symlink("loop", join(root, "loop"));
    const read = await readRightsFile(root, "loop/access.rights");
    expect(read).toMatchObject({ file: null, bytes: null, problems: [{ code: "unreadable", severity: "error", file: "loop/access.rights", line: 0 }] });
    expect(read.problems[0]?.message).toContain("(ELOOP)");
  });

  it("reports a directory that cannot be listed, and reads the rest", async () => {
    // Tests run as root, where chmod 000 stops nothing: the failure comes through the file system seam.
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "secret/access.rights": "READ: {include: a}\n", "open/access.rights": "READ: {include: b}\n" });
    const fs = failing(nodeFs, { readdir: [`${root}/secret`, "EACCES"] });
    const snapshot = await readTreeWith(fs, root);
    expect(snapshot.problems).toEqual([{
      code: "unreadable", severity: "error", file: "secret", line: 0, column: 0,
      message: "cannot read directory `secret` (EACCES); make it readable or add it to the ignore globs",
    }]);
    expect(snapshot.rightsPaths).toEqual(["access.rights", "open/access.rights"]);
  });

  it("reports a rights file whose read fails, never reading it as empty", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "plant/access.rights": "READ: {include: a}\n" });
    const snapshot = await readTreeWith(failing(nodeFs, { open: [`${root}/plant/access.rights`, "EIO"] }), root);
    expect(codes(snapshot)).toEqual([["unreadable", "plant/access.rights"]]);
    expect(snapshot.problems[0]?.message).toBe("cannot read `plant/access.rights` (EIO); make it a readable regular file");
    expect(snapshot.files.map((f) => f.file)).toEqual(["access.rights"]);
    const read = readRights(root, "plant/access.rights", false, failing(nodeFs, { read: [`${root}/plant/access.rights`, "EIO"] }));
    expect(read).toMatchObject({ file: null, bytes: null, problems: [{ code: "unreadable", file: "plant/access.rights" }] });
  });

  it("sees a file replaced between reads", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS });
    await rm(join(root, "access.rights"));
    await writeFiles(root, { "access.rights/x": "" });
    expect((await readRightsFile(root, "access.rights")).problems).toMatchObject([{ code: "not_regular_file" }]);
    await rm(join(root, "access.rights"), { recursive: true });
    await writeFile(join(root, "access.rights"), "WRITE: {include: b}\n");
    expect((await readRightsFile(root, "access.rights")).file?.WRITE?.include).toEqual(["b"]);
  });
});

describe("reading in time slices", () => {
  it("gives the event loop a turn whenever a slice is due, while walking and while reading", async () => {
    const files: Record<string, string> = { "access.rights": ROOT_RIGHTS };
    for (let i = 0; i < 30; i++) files[`d${i}/access.rights`] = "READ: {include: a}\n";
    const root = await makeTree(files);
    let pauses = 0;
    // A slicer always due: every directory this thread lists is followed by a turn of the event loop.
    const slicer = Object.assign(new TimeSlicer(0), { pause: async () => { pauses++; await new Promise((resolve) => setImmediate(resolve)); } });
    // Other work waiting for a turn of the loop (an immediate, not a timer: a fast walk may end within a timer's 1 ms).
    let ticks = 0;
    let other: NodeJS.Immediate | undefined;
    const tick = (): void => {
      ticks++;
      other = setImmediate(tick);
    };
    other = setImmediate(tick);
    let ticksDuringWalk = 0;
    try {
      const walk = await walkTree(root, ignoreMatcher(), nodeFs, slicer);
      ticksDuringWalk = ticks;
      expect(walk.rightsPaths).toHaveLength(31);
      expect(pauses).toBeGreaterThan(0);
    } finally {
      clearImmediate(other);
    }
    expect(ticksDuringWalk).toBeGreaterThan(0);
  });

  it("lists directories on the thread pool too, with the same problems for a failed listing", async () => {
    const root = await makeTree({ "access.rights": ROOT_RIGHTS, "a/access.rights": "", "b/access.rights": "", "c/access.rights": "", "d/access.rights": "" });
    const poolFails: TreeFs = {
      ...nodeFs,
      readdirAsync: (path, done) => {
        setImmediate(() => { done(Object.assign(new Error("EIO: injected"), { code: "EIO" }), []); });
      },
    };
    const walk = await walkTree(root, ignoreMatcher(), poolFails);
    const failed = walk.problems.map((p) => p.file);
    expect(failed.length).toBeGreaterThan(0);
    for (const p of walk.problems) expect(p).toMatchObject({ code: "unreadable", message: `cannot read directory \`${p.file}\` (EIO); make it readable or add it to the ignore globs` });
    // Every directory was either listed (its rights file found) or reported.
    const listed = walk.rightsPaths.filter((r) => r !== "access.rights").map((r) => r.split("/")[0]);
    expect([...listed, ...failed].sort()).toEqual(["a", "b", "c", "d"]);
  });
});

describe("DirQueue", () => {
  it("takes from both ends in order, in linear time even when very long", () => {
    const queue = new DirQueue("a");
    queue.push("b");
    queue.push("c");
    expect([queue.takeFirst(), queue.takeLast(), queue.size, queue.takeFirst(), queue.takeFirst(), queue.takeLast()]).toEqual(["a", "c", 1, "b", undefined, undefined]);
    const long = new DirQueue("0");
    for (let i = 1; i < 300_000; i++) long.push(String(i));
    const start = performance.now();
    let taken = 0;
    while (long.size > 0) {
      const first = long.takeFirst();
      if (first === String(taken)) taken++;
    }
    expect(taken).toBe(300_000);
    // `Array.prototype.shift` took over a minute for this on the development machine.
    expect(performance.now() - start).toBeLessThan(2000);
  });
});
