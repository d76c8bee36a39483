/**
 * The rights explorer (`serve --ui`, docs/explorer.md) in a real headless
 * Chromium (Debian's /usr/bin/chromium, driven by playwright-core 1.64):
 * the tree by mouse and keyboard, a group's view, a denial explained, the
 * matrix, an edit on disk followed live, a broken file's problem and its fix,
 * the diff, copy-as-curl, deep links; axe-core on every view (no serious or
 * critical violation), in light and dark; screenshots at 1280×800 and
 * 390×844 under test-results/explorer/; and with protection on, refused
 * without a credential and working with one kept in memory only.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/server/index.js";
import type { RunningServer } from "../../src/server/index.js";

const CHROMIUM = "/usr/bin/chromium";
/** The flags that work on a machine whose network is closed (no background or component traffic). */
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const UI_SRC = path.join(ROOT, "ui");
const UI_DIST = path.join(ROOT, "dist", "ui");
const SHOTS = path.join(ROOT, "test-results", "explorer");
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");
const DESKTOP = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };

/** Builds the page into dist/ui when it is missing or older than a file of ui/ or vite.config.ts. */
function ensureBuilt(): void {
  const index = path.join(UI_DIST, "index.html");
  const newest = Math.max(statSync(path.join(ROOT, "vite.config.ts")).mtimeMs, ...walk(UI_SRC).map((f) => statSync(f).mtimeMs));
  if (existsSync(index) && statSync(index).mtimeMs >= newest) return;
  try {
    execFileSync("npm", ["run", "build:ui"], { cwd: ROOT, stdio: "pipe", timeout: 120_000 });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: Buffer; stderr?: Buffer };
    throw new Error(`npm run build:ui failed, so the explorer page cannot be tested:\n${String(stdout ?? "")}${String(stderr ?? "")}`);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? walk(path.join(dir, d.name)) : [path.join(dir, d.name)]));
}

function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`the explorer tests need Debian's Chromium at ${CHROMIUM}, and it is missing: apt-get update && apt-get install -y --no-install-recommends chromium (.ci/run installs it)`);
  }
}

interface Violation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly string[];
}

/** axe-core in the page (evaluated over the DevTools protocol: the page's CSP forbids injected script tags). */
async function axe(page: Page, name: string): Promise<void> {
  if ((await page.evaluate("typeof window.axe")) !== "object") await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate<Violation[]>(
    `axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.target.join(" ")) })))`,
  );
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(serious, `axe on ${name}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
}

async function shot(page: Page, name: string): Promise<void> {
  const size = page.viewportSize();
  await page.screenshot({ path: path.join(SHOTS, `${name}-${size?.width ?? 0}x${size?.height ?? 0}.png`), fullPage: false });
}

/** Waits until the locator's text matches. */
async function waitForText(locator: Locator, pattern: RegExp, timeout = 10_000): Promise<string> {
  const deadline = Date.now() + timeout;
  let last = "";
  for (;;) {
    last = (await locator.first().textContent({ timeout: Math.max(1, deadline - Date.now()) }).catch(() => null)) ?? "";
    if (pattern.test(last)) return last;
    if (Date.now() > deadline) throw new Error(`waited ${timeout} ms for ${pattern} in ${String(locator)}; last text: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=explorer-test", "-c", "user.email=explorer@test.invalid", "-c", "commit.gpgsign=false", ...args], { cwd, encoding: "utf8" }).trim();
}

const row = (page: Page, p: string): Locator => page.locator(`[role="treeitem"][data-path="${p}"]`);

/** A page that records CSP violations and script errors, which every test then expects none of. */
async function openPage(context: BrowserContext, url: string, problems: string[]): Promise<Page> {
  const page = await context.newPage();
  page.on("console", (m) => {
    if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(url);
  return page;
}

let browser: Browser | undefined;
let work: string | undefined;

beforeAll(async () => {
  requireChromium();
  ensureBuilt();
  mkdirSync(SHOTS, { recursive: true });
  work = mkdtempSync(path.join(tmpdir(), "treerights-ui-"));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
}, 150_000);

afterAll(async () => {
  await browser?.close();
  if (work !== undefined) rmSync(work, { recursive: true, force: true });
});

describe("the explorer page, served by serve({ ui: true })", () => {
  let server: RunningServer;
  let tree: string;
  let context: BrowserContext;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    tree = path.join(work!, "tree");
    cpSync(path.join(ROOT, "examples", "tree"), tree, { recursive: true });
    // A repository of its own, so that the diff between two commits can be asked.
    git(tree, "init", "-q");
    git(tree, "add", "-A");
    git(tree, "commit", "-qm", "the example tree");
    server = await serve(tree, { ui: true, port: 0, logger: false, debounceMs: 50 });
    context = await browser!.newContext({ viewport: DESKTOP, colorScheme: "light" });
    page = await openPage(context, `${server.url}/ui/`, problems);
  }, 30_000);

  afterAll(async () => {
    await context.close();
    await server.close();
  });

  it("shows the tree with READ and WRITE groups and marks; expands it with the mouse and the keyboard", async () => {
    const header = await page.request.get(`${server.url}/ui/`);
    expect(header.headers()["content-security-policy"]).toContain("script-src 'self'");
    await waitForText(row(page, "/"), /administrator/);
    await waitForText(page.getByTestId("revision"), /[0-9a-f]{12}/);
    // The mouse: /sites opens, with its own marks.
    await row(page, "/sites").click();
    await row(page, "/sites/lyon").waitFor();
    expect(await row(page, "/sites").getAttribute("aria-expanded")).toBe("true");
    await waitForText(row(page, "/sites/lyon"), /team-lyon/);
    expect(await row(page, "/sites/lyon").textContent()).toContain("file");
    // The keyboard: down to /sites/lyon, right opens it, down into it, left goes back up, Enter selects.
    await row(page, "/sites").focus();
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("ArrowRight");
    await row(page, "/sites/lyon/lines").waitFor();
    await page.keyboard.press("ArrowDown");
    await page.waitForFunction(`document.activeElement?.dataset.path === "/sites/lyon/lines"`);
    await page.keyboard.press("ArrowLeft");
    await page.waitForFunction(`document.activeElement?.dataset.path === "/sites/lyon"`);
    await page.keyboard.press("Enter");
    await waitForText(page.getByTestId("path-heading"), /^\/sites\/lyon$/);
    expect(page.url()).toContain("path=%2Fsites%2Flyon");
    await waitForText(page.getByTestId("holders-WRITE"), /team-lyon/);
    await shot(page, "tree");
    await axe(page, "tree and path view");
  });

  it("a group's view colours where the group holds READ and WRITE", async () => {
    await page.getByRole("link", { name: "Group" }).click();
    await page.getByRole("button", { name: "contractors", exact: true }).click();
    await waitForText(page.getByTestId("regions-READ"), /\/sites\/porto/);
    expect(await page.getByTestId("regions-READ").textContent()).toContain("/sites/porto/lines/line-3");
    await row(page, "/sites/porto").waitFor();
    await waitForText(row(page, "/sites/porto"), /contractors holds READ/);
    expect(await row(page, "/sites/porto").getAttribute("class")).toContain("holds-read");
    expect(await row(page, "/system").getAttribute("class")).toContain("holds-none");
    expect(page.url()).toContain("group=contractors");
    await shot(page, "group");
    await axe(page, "group view");
  });

  it("explains a denial step by step, with the deciding file's text at its line", async () => {
    await page.goto(`${server.url}/ui/#view=path&path=%2Fsites%2Flyon%2Flines%2Fline-1%2Fvalues&groups=user&access=WRITE`);
    await waitForText(page.getByTestId("verdict"), /Denied/);
    const steps = page.locator("table.steps");
    await waitForText(steps, /sites\/lyon\/access\.rights:5/);
    await page.getByRole("button", { name: "sites/lyon/access.rights:5" }).click();
    await waitForText(page.getByTestId("file-text"), /team-lyon/);
    expect(await page.locator(".file-text .mark-line").textContent()).toMatch(/^WRITE:/);
    // The same question asked from the form: two groups, one of them allowed.
    await page.getByLabel("Groups (comma separated)").fill("user, supervisor");
    await page.getByRole("button", { name: "Explain" }).click();
    await waitForText(page.getByTestId("verdict"), /Allowed/);
    expect(page.url()).toContain("groups=user%2Csupervisor");
    await page.locator("main").getByText("Copy as curl").click();
    const curl = await page.locator("main").getByTestId("curl").textContent();
    expect(curl).toContain(`curl -s -X POST '${server.url}/v1/explain'`);
    expect(curl).toContain(`"groups":["user","supervisor"]`);
    await shot(page, "explain");
    await axe(page, "explanation");
  });

  it("the matrix: groups × the directory on screen and its children", async () => {
    await page.goto(`${server.url}/ui/#view=matrix&path=%2Fsites&access=READ&groups=contractors,team-lyon`);
    const matrix = page.getByTestId("matrix");
    await waitForText(matrix, /\/sites\/porto/);
    await waitForText(matrix.locator("tr", { hasText: "/sites/porto" }), /✓ yes.*✗ no/);
    await waitForText(matrix.locator("tr", { hasText: "/sites/lyon" }), /✗ no.*✓ yes/);
    await shot(page, "matrix");
    await axe(page, "matrix view");
  });

  it("follows an edit on disk, shows a broken file's problem with its line, and its fix; the diff flags the risky grant", async () => {
    await page.goto(`${server.url}/ui/#view=path&path=%2Fsites%2Flyon`);
    await waitForText(row(page, "/sites/lyon"), /team-lyon/);
    const before = await waitForText(page.getByTestId("revision"), /[0-9a-f]{12}/);
    const lyon = path.join(tree, "sites", "lyon", "access.rights");
    writeFileSync(lyon, readFileSync(lyon, "utf8").replace("    - team-lyon\n", "    - team-lyon\n    - team-porto\n"));
    await waitForText(row(page, "/sites/lyon"), /team-porto/, 15_000);
    const after = await page.getByTestId("revision").textContent();
    expect(after).not.toBe(before);
    await waitForText(page.getByTestId("holders-WRITE"), /team-porto/);

    const porto = path.join(tree, "sites", "porto", "access.rights");
    const good = readFileSync(porto, "utf8");
    writeFileSync(porto, "# broken on purpose\nREAD:\n  inclde: [team-porto]\n");
    const banner = page.getByTestId("problems");
    await waitForText(banner, /sites\/porto\/access\.rights:3/, 15_000);
    expect(await banner.textContent()).toMatch(/inclde/);
    await waitForText(page.getByTestId("reload-state"), /reload rejected/);
    await row(page, "/sites/porto").waitFor();
    expect(await row(page, "/sites/porto").getAttribute("class")).toContain("has-problem");
    await shot(page, "rejected");
    await axe(page, "a rejected reload");
    writeFileSync(porto, good);
    await banner.waitFor({ state: "detached", timeout: 15_000 });
    await waitForText(page.getByTestId("reload-state"), /loaded/);

    const base = git(tree, "rev-parse", "HEAD");
    git(tree, "commit", "-qam", "lyon: team-porto writes");
    const head = git(tree, "rev-parse", "HEAD");
    await page.getByRole("link", { name: "Changes" }).click();
    const history = page.getByTestId("history");
    await waitForText(history, new RegExp(String(after).slice(0, 12)));
    await page.getByLabel("From", { exact: true }).fill(base);
    await page.getByLabel("To", { exact: true }).fill(head);
    await page.getByRole("button", { name: "Diff" }).click();
    const diff = page.getByTestId("diff");
    await waitForText(diff, /team-porto/, 10_000);
    expect(await diff.textContent()).toMatch(/risky/);
    expect(await page.getByTestId("risks").textContent()).toMatch(/write-grant/);
    expect(page.url()).toContain(`from=${base}&to=${head}`);
    await page.getByLabel("Since", { exact: true }).selectOption({ index: 1 });
    await waitForText(page.getByTestId("changes"), /\/sites\/lyon.*team-porto/);
    await shot(page, "changes");
    await axe(page, "changes view");
  });

  it("a deep link made at an older revision says so; the dark scheme and a 390-px phone screen pass axe", async () => {
    const phone = await browser!.newContext({ viewport: PHONE, colorScheme: "dark" });
    try {
      const views = [
        ["tree", "#view=path&path=%2Fsites%2Flyon%2Flines&rev=0000000000000000"],
        ["group", "#view=group&group=contractors&path=%2Fsites%2Fporto"],
        ["explain", "#view=path&path=%2Fsites%2Flyon%2Flines%2Fline-1%2Fvalues&groups=user&access=WRITE"],
        ["matrix", "#view=matrix&path=%2Fsites&access=WRITE"],
        ["changes", "#view=changes"],
      ] as const;
      const p = await openPage(phone, `${server.url}/ui/${views[0][1]}`, problems);
      for (const [name, hash] of views) {
        await p.goto(`${server.url}/ui/${hash}`);
        await row(p, "/").waitFor();
        if (name === "tree") await waitForText(p.getByTestId("stale-link"), /0000000000/);
        if (name === "explain") await waitForText(p.getByTestId("verdict"), /Denied/);
        if (name === "matrix") await waitForText(p.getByTestId("matrix"), /✓ yes/);
        if (name === "group") await waitForText(p.getByTestId("regions-WRITE"), /\/sites\/lyon\/lines\/line-2/);
        // Readable at 390 px: nothing wider than the screen but the tables, which scroll in their own box.
        expect(await p.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(PHONE.width);
        await shot(p, name);
        await axe(p, `${name} at 390 px, dark`);
      }
    } finally {
      await phone.close();
    }
    expect(problems).toEqual([]);
  });
});

describe("the explorer page with protection on (api.admin)", () => {
  let server: RunningServer;
  let context: BrowserContext;
  const problems: string[] = [];

  beforeAll(async () => {
    const dir = path.join(work!, "protected");
    cpSync(path.join(ROOT, "examples", "tree"), path.join(dir, "tree"), { recursive: true });
    cpSync(path.join(ROOT, "examples", "server", "users.yaml"), path.join(dir, "users.yaml"));
    writeFileSync(
      path.join(dir, "treerights.server.yaml"),
      ["tree: ./tree", "ui: true", "realms:", "  - name: local", "    basic: { file: users.yaml }", "api:", "  decisions: { groups: [administrator] }", "  admin: { groups: [administrator] }", ""].join("\n"),
    );
    server = await serve(path.join(dir, "tree"), { configFile: path.join(dir, "treerights.server.yaml"), port: 0, logger: false });
    context = await browser!.newContext({ viewport: DESKTOP });
  }, 30_000);

  afterAll(async () => {
    await context.close();
    await server.close();
  });

  it("is refused without a credential, says why, and works once one is entered (kept in memory only)", async () => {
    const page = await openPage(context, `${server.url}/ui/#view=path&path=%2Fsystem`, problems);
    const refusal = page.getByTestId("refusal");
    await waitForText(refusal, /401 credential_required/);
    expect(await page.locator('[role="treeitem"]').count()).toBe(0);
    await axe(page, "the credential form");
    await shot(page, "refused");

    // A credential without the admin family's groups: 403, said so.
    await page.getByLabel("User", { exact: true }).fill("bob");
    await page.getByLabel("Password").fill("demo-password-bob");
    await page.getByRole("button", { name: "Use this credential" }).click();
    await waitForText(page.getByTestId("refusal"), /403 forbidden/, 15_000);

    await page.getByLabel("User", { exact: true }).fill("alice");
    await page.getByLabel("Password").fill("demo-password-alice");
    await page.getByRole("button", { name: "Use this credential" }).click();
    await waitForText(row(page, "/"), /administrator/, 15_000);
    await page.getByTestId("credential").waitFor({ state: "detached" });
    await waitForText(page.getByTestId("holders-WRITE"), /administrator/);
    await waitForText(page.getByTestId("revision"), /[0-9a-f]{12}/);
    // Memory only: nothing stored, nothing in the URL; curl names a placeholder, never the secret.
    expect(await page.evaluate("localStorage.length + sessionStorage.length")).toBe(0);
    expect(page.url()).not.toContain("alice");
    await page.locator("main").getByText("Copy as curl").click();
    const curl = (await page.locator("main").getByTestId("curl").textContent()) ?? "";
    expect(curl).toContain("$TREERIGHTS_AUTH");
    expect(curl).not.toContain(Buffer.from("alice:demo-password-alice").toString("base64"));
    // A reload forgets it.
    await page.reload();
    await waitForText(page.getByTestId("refusal"), /401 credential_required/);
    expect(problems).toEqual([]);
    // Two password checks (bob, alice) of ~0.1 s each on a quiet machine; seconds each on a loaded CI runner.
  }, 90_000);
});
