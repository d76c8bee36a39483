/** `serve` with `ref`: answers carry the ref's commit and follow its moves; `/v1/status` names the ref; cluster workers serve it too. */
import { afterEach, describe, expect, test, vi } from "vitest";
import { serve } from "../../src/server/index.js";
import type { ClusterServer, RunningServer } from "../../src/server/index.js";
import { TestRepo } from "../diff/git-repo.js";

const ROOT = "READ:\n  override: [staff]\n";
const WAIT = { timeout: 15_000, interval: 20 } as const;

const repos: TestRepo[] = [];
const servers: (RunningServer | ClusterServer)[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(repos.splice(0).map((r) => r.remove()));
});

async function check(url: string, group: string): Promise<{ allowed: boolean; revision: string; commit?: string }> {
  const res = await fetch(`${url}/v1/check`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ groups: [group], access: "READ", path: "/plant" }) });
  return (await res.json()) as { allowed: boolean; revision: string; commit?: string };
}

describe("serve --ref", () => {
  test("answers carry the ref's commit, follow a commit, and ignore the work tree", async () => {
    const repo = await TestRepo.create();
    repos.push(repo);
    await repo.write({ "access.rights": ROOT });
    const first = await repo.commit("first");
    const server = await serve(repo.dir, { ref: "main", port: 0, logger: false, processMetrics: false });
    servers.push(server);
    expect(await check(server.url, "staff")).toMatchObject({ allowed: true, commit: first });
    const status = (await (await fetch(`${server.url}/v1/status`)).json()) as Record<string, unknown>;
    expect(status).toMatchObject({ commit: first, source: { mode: "ref", ref: "main", path: "" } });

    await repo.write({ "access.rights": "READ:\n  override: [night]\n" });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await check(server.url, "night")).toMatchObject({ allowed: false, commit: first });

    const second = await repo.commit("second");
    await vi.waitFor(async () => { expect(await check(server.url, "night")).toMatchObject({ allowed: true, commit: second }); }, WAIT);
    // A commit that changes no rights file: same revision, the new commit.
    await repo.write({ "README.md": "docs\n" });
    const third = await repo.commit("docs");
    await vi.waitFor(async () => { expect(await check(server.url, "night")).toMatchObject({ allowed: true, commit: third }); }, WAIT);
  });

  test("cluster workers serve the ref too", async () => {
    const repo = await TestRepo.create();
    repos.push(repo);
    await repo.write({ "access.rights": ROOT });
    const first = await repo.commit("first");
    const server = await serve(repo.dir, { ref: "main", workers: 2, port: 0, logger: false, processMetrics: false });
    servers.push(server);
    expect(await check(server.url, "staff")).toMatchObject({ allowed: true, commit: first });
    await repo.write({ "access.rights": "READ:\n  override: [night]\n" });
    const second = await repo.commit("second");
    // Each answer comes from one of the workers: ask until both have been seen on the new commit.
    await vi.waitFor(async () => {
      const answers = await Promise.all([0, 1, 2, 3].map(() => check(server.url, "night")));
      expect(answers.every((a) => a.allowed && a.commit === second)).toBe(true);
    }, WAIT);
  }, 60_000);

  test("an unknown ref does not start", async () => {
    const repo = await TestRepo.create();
    repos.push(repo);
    await repo.write({ "access.rights": ROOT });
    await repo.commit("first");
    await expect(serve(repo.dir, { ref: "nope", port: 0, logger: false, processMetrics: false })).rejects.toMatchObject({ code: "git_failed" });
  });
});
