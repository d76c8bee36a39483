/** The `treerights` process writing into a pipe whose reader has gone (`treerights --help | head`). */
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

describe("a closed pipe", () => {
  it("ends the command quietly, with no stack trace", async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", "--help"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    // The reader goes before the command writes (starting takes far longer than this).
    child.stdout.destroy();
    let stderr = "";
    child.stderr.setEncoding("utf8").on("data", (s: string) => (stderr += s));
    const code = await new Promise<number | null>((resolve) => { child.on("exit", (c) => { resolve(c); }); });
    expect(stderr).toBe("");
    expect(code).toBe(0);
  }, 30_000);
});
