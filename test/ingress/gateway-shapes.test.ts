/**
 * One decision table run through every gateway shape of `/v1/authz`
 * (issue 15, SPEC 5; the SpiceDB/OpenFGA habit of one matrix through every
 * client): nginx `auth_request` (`X-Original-Method/-URI/-Host`), Traefik
 * forwardAuth (`X-Forwarded-Method/-Uri/-Host`) and Envoy HTTP ext_authz
 * (`<METHOD> /v1/authz<original path>`), each against a server whose
 * `ingress.source` names it. Every row goes through `app.inject` and through
 * a raw socket to the listening server: inject parses its URL with WHATWG
 * `URL` (`/a/../b` becomes `/b`, `\` becomes `/`, `#…` is cut), so for the
 * Envoy shape only the raw socket carries those rows as a gateway would.
 * Then what every shape must refuse: missing, duplicated or joined method
 * and URI headers (403); `Forwarded`, `X-Forwarded-Prefix`, method
 * overrides and the other shapes' headers ignored; a request announcing a
 * body it never sends answered promptly with `Connection: close`.
 */
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serve } from "../../src/server/serve.js";
import type { RunningServer } from "../../src/server/server-options.js";
import type { IngressEnv, IngressSource } from "./ingress-env.js";
import { basicOf, makeIngressEnv } from "./ingress-env.js";
import { rawRequest, utf8Target } from "./raw-http.js";

let env: IngressEnv;
const servers = {} as Record<IngressSource, RunningServer>;
const SOURCES: readonly IngressSource[] = ["nginx", "traefik", "envoy"];

beforeAll(async () => {
  env = await makeIngressEnv();
  for (const source of SOURCES) {
    servers[source] = await serve(env.tree, { configFile: env.configFiles[source], port: 0, logger: false, watch: false, processMetrics: false });
  }
});

afterAll(async () => {
  for (const source of SOURCES) await (servers[source] as RunningServer | undefined)?.close();
  await (env as IngressEnv | undefined)?.remove();
});

type Caller = "none" | "bad" | "bob" | "carol" | "alice" | "svc" | "reader" | "proxy-pat";

function credential(caller: Caller): [string, string][] {
  switch (caller) {
    case "none": return [];
    case "bad": return [["Authorization", `Basic ${Buffer.from("bob:not-his-password").toString("base64")}`]];
    case "svc": return [["X-API-Key", env.keys.svc]];
    case "reader": return [["Authorization", `Bearer ${env.keys.reader}`]];
    // Trusted headers: the test connects from 127.0.0.1, inside trustedProxies.
    case "proxy-pat": return [["X-Auth-Request-User", "pat"], ["X-Auth-Request-Groups", "readers,writers"]];
    default: return [["Authorization", basicOf(caller)]];
  }
}

/** One row: the original request, who asks, and the only acceptable answer. */
interface Row {
  readonly method: string;
  /** The original URI as latin1 (one char per byte): what Node would hand over. */
  readonly uri: string;
  readonly caller: Caller;
  readonly expected: 200 | 401 | 403;
  readonly host?: string;
}

const fullwidthSecret = utf8Target("/api/ｓｅｃｒｅｔ/README.md");
// bob: readers. carol, svc, proxy-pat: readers and writers. alice: admins too. reader: readers.
const TABLE: readonly Row[] = [
  { method: "GET", uri: "/api/public/README.md", caller: "bob", expected: 200 },
  { method: "HEAD", uri: "/api/public/README.md", caller: "bob", expected: 200 },
  { method: "OPTIONS", uri: "/api/public/README.md", caller: "reader", expected: 200 },
  { method: "POST", uri: "/api/public/README.md", caller: "bob", expected: 403 },
  { method: "POST", uri: "/api/public/README.md", caller: "carol", expected: 200 },
  { method: "PUT", uri: "/api/public/new", caller: "svc", expected: 200 },
  { method: "DELETE", uri: "/api/public/new", caller: "reader", expected: 403 },
  { method: "PROPFIND", uri: "/api/public/", caller: "carol", expected: 200 },
  { method: "PROPFIND", uri: "/api/public/", caller: "bob", expected: 403 },
  { method: "GET", uri: "/api/readonly/README.md", caller: "carol", expected: 200 },
  { method: "POST", uri: "/api/readonly/README.md", caller: "carol", expected: 403 },
  { method: "PATCH", uri: "/api/readonly/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/secret/README.md", caller: "bob", expected: 403 },
  { method: "GET", uri: "/api/secret/README.md", caller: "alice", expected: 200 },
  { method: "POST", uri: "/api/secret/README.md", caller: "alice", expected: 200 },
  { method: "GET", uri: "/api/secret/README.md", caller: "proxy-pat", expected: 403 },
  { method: "POST", uri: "/api/public/README.md", caller: "proxy-pat", expected: 200 },
  { method: "GET", uri: "/api/public/README.md", caller: "none", expected: 401 },
  { method: "GET", uri: "/api/public/README.md", caller: "bad", expected: 401 },
  { method: "GET", uri: "/elsewhere/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/apix/public/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/internal/README.md", caller: "alice", expected: 200, host: "internal.example" },
  { method: "GET", uri: "/internal/README.md", caller: "alice", expected: 200, host: "Internal.Example:8443" },
  { method: "GET", uri: "/internal/README.md", caller: "bob", expected: 403, host: "internal.example" },
  { method: "GET", uri: "/internal/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/secret/README.md?x=/api/public/README.md", caller: "bob", expected: 403 },
  { method: "GET", uri: "/api/public/README.md?x=/api/secret/README.md", caller: "bob", expected: 200 },
  { method: "GET", uri: "/api//secret/README.md", caller: "alice", expected: 200 },
  { method: "GET", uri: "/api//secret/README.md", caller: "bob", expected: 403 },
  { method: "GET", uri: "/api/public/%52EADME.md", caller: "bob", expected: 200 },
  // Refused whoever asks (even alice, who may read everything): ambiguous URIs.
  { method: "GET", uri: "/api/public/../secret/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/%2e%2e/secret/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/%252e%252e/secret/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public%2Fsecret/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public%5Csecret/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public\\secret/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/README.md;jsessionid=x", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/%00README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/%C2%85README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/%FFREADME.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/%zzREADME.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/public/README%", caller: "alice", expected: 403 },
  // Confusable with an existing sibling (denyConfusableSegments): refused, even for alice.
  { method: "GET", uri: "/api/SECRET/README.md", caller: "alice", expected: 403 },
  { method: "GET", uri: "/api/SECRET/README.md", caller: "bob", expected: 403 },
  { method: "GET", uri: fullwidthSecret, caller: "bob", expected: 403 },
  { method: "GET", uri: utf8Target("/api/public／..／secret/README.md"), caller: "bob", expected: 403 },
  // A denied path with a fragment: the fragment is cut, the path stays denied.
  { method: "GET", uri: "/api/secret/README.md#/api/public", caller: "bob", expected: 403 },
];

/** How `source` asks about `row`: the method and URL of the authz request, and its headers. */
function shape(source: IngressSource, row: Row): { method: string; url: string; headers: [string, string][] } {
  const host = row.host ?? "gw.example";
  const cred = credential(row.caller);
  switch (source) {
    case "nginx": return { method: "GET", url: "/v1/authz", headers: [["X-Original-Method", row.method], ["X-Original-URI", row.uri], ["X-Original-Host", host], ...cred] };
    case "traefik": return { method: "GET", url: "/v1/authz", headers: [["X-Forwarded-Method", row.method], ["X-Forwarded-Uri", row.uri], ["X-Forwarded-Host", host], ["X-Forwarded-Proto", "https"], ...cred] };
    // A request line carries no raw byte outside ASCII (Node's parser refuses one, as Envoy's codec does): Envoy sends such bytes percent-encoded.
    case "envoy": return { method: row.method, url: `/v1/authz${row.uri.replace(/[\x80-\xff]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`, headers: [["Host", host], ...cred] };
  }
}

/** True when light-my-request would hand the server `url` unchanged (it parses it with WHATWG URL). */
function injectKeeps(url: string): boolean {
  if (/[^\x21-\x7e]/.test(url)) return false;
  const parsed = new URL(url, "http://localhost");
  return parsed.pathname + parsed.search === url;
}

async function viaInject(source: IngressSource, method: string, url: string, headers: readonly [string, string][]): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const grouped: Record<string, string | string[]> = {};
  for (const [name, value] of headers) {
    const key = name.toLowerCase();
    const before = grouped[key];
    grouped[key] = before === undefined ? value : [...(Array.isArray(before) ? before : [before]), value];
  }
  const res = await servers[source].app.inject({ method: method as "GET", url, headers: grouped });
  return { status: res.statusCode, headers: res.headers, body: res.body };
}

async function viaSocket(source: IngressSource, method: string, url: string, headers: readonly [string, string][]): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const res = await rawRequest(servers[source].port, url, { method, headers, timeoutMs: 5000 });
  return { status: res.status, headers: Object.fromEntries([...res.headers].map(([k, v]) => [k, v.join(", ")])), body: res.body.toString("utf8") };
}

describe("one decision table through every gateway shape", () => {
  for (const source of SOURCES) {
    it(`${source}: every row gets its one expected answer, through inject and a raw socket`, async () => {
      let injected = 0;
      // Every mismatch is collected, so that one failure lists every row that differs.
      const mismatches: string[] = [];
      for (const row of TABLE) {
        const { method, url, headers } = shape(source, row);
        const what = `${source} ${row.caller} ${row.method} ${JSON.stringify(row.uri)}${row.host === undefined ? "" : ` host ${row.host}`}`;
        const answers = [{ via: "socket", res: await viaSocket(source, method, url, headers) }];
        if (injectKeeps(url)) {
          answers.push({ via: "inject", res: await viaInject(source, method, url, headers) });
          injected++;
        }
        for (const { via, res } of answers) {
          const problems: string[] = [];
          if (res.status !== row.expected) problems.push(`status ${String(res.status)}, expected ${String(row.expected)}`);
          else if (row.expected === 401 && !/Basic/.test(String(res.headers["www-authenticate"]))) problems.push("a 401 without WWW-Authenticate naming Basic");
          else if (row.expected === 200 && typeof res.headers["x-auth-user"] !== "string") problems.push("a 200 without X-Auth-User");
          else if (row.expected === 403 && method !== "HEAD" && !/"code":"(access_denied|uri_refused|no_route)"/.test(res.body)) problems.push("a 403 without its code");
          if (problems.length > 0) mismatches.push(`${what} via ${via}: ${problems.join("; ")} — ${res.body}`);
        }
      }
      expect(mismatches, mismatches.join("\n")).toEqual([]);
      // inject was not skipped wholesale: for the header shapes it carries every row.
      expect(injected).toBeGreaterThanOrEqual(source === "envoy" ? 25 : TABLE.length);
    });
  }

  it("the table holds every answer, and the identity each realm names", async () => {
    expect(new Set(TABLE.map((r) => r.expected))).toEqual(new Set([200, 401, 403]));
    const cases: [Caller, string, string][] = [["bob", "bob", "local"], ["svc", "ci", "machines"], ["reader", "robot", "machines"], ["proxy-pat", "pat", "proxy"]];
    for (const source of SOURCES) {
      for (const [caller, user, realm] of cases) {
        const { method, url, headers } = shape(source, { method: "GET", uri: "/api/public/README.md", caller, expected: 200 });
        const res = await viaInject(source, method, url, headers);
        expect([res.status, res.headers["x-auth-user"], res.headers["x-auth-realm"]], `${source} ${caller}`).toEqual([200, user, realm]);
      }
    }
  });
});

/** The header names each source reads the method and the URI from (Envoy reads neither). */
const NAMES: Readonly<Record<"nginx" | "traefik", { method: string; uri: string; host: string }>> = {
  nginx: { method: "X-Original-Method", uri: "X-Original-URI", host: "X-Original-Host" },
  traefik: { method: "X-Forwarded-Method", uri: "X-Forwarded-Uri", host: "X-Forwarded-Host" },
};

describe("what every shape refuses or ignores", () => {
  for (const source of ["nginx", "traefik"] as const) {
    const n = NAMES[source];
    it(`${source}: a missing, duplicated or joined method or URI header fails closed (403), whoever asks`, async () => {
      const alice = credential("alice");
      const cases: [string, [string, string][]][] = [
        ["no method", [[n.uri, "/api/public/README.md"]]],
        ["no URI", [[n.method, "GET"]]],
        ["empty method", [[n.method, ""], [n.uri, "/api/public/README.md"]]],
        ["empty URI", [[n.method, "GET"], [n.uri, ""]]],
        ["two method headers", [[n.method, "GET"], [n.method, "GET"], [n.uri, "/api/public/README.md"]]],
        ["two URI headers", [[n.method, "GET"], [n.uri, "/api/public/README.md"], [n.uri, "/api/public/README.md"]]],
        ["two disagreeing URI headers", [[n.method, "GET"], [n.uri, "/api/public/README.md"], [n.uri, "/api/secret/README.md"]]],
        ["two host headers", [[n.method, "GET"], [n.uri, "/internal/README.md"], [n.host, "internal.example"], [n.host, "internal.example"]]],
        ["a joined method", [[n.method, "GET, POST"], [n.uri, "/api/public/README.md"]]],
        ["a joined URI", [[n.method, "GET"], [n.uri, "/api/public/README.md, /api/secret/README.md"]]],
        ["a URI that is not a path", [[n.method, "GET"], [n.uri, "http://gw.example/api/public/README.md"]]],
        ["a method that is not one", [[n.method, "GET /api/public/README.md"], [n.uri, "/api/public/README.md"]]],
      ];
      const mismatches: string[] = [];
      for (const [what, headers] of cases) {
        for (const via of [viaSocket, viaInject]) {
          const res = await via(source, "GET", "/v1/authz", [...headers, ...alice]);
          if (res.status !== 403) mismatches.push(`${source} ${what} via ${via.name}: ${String(res.status)} ${res.body}`);
        }
      }
      expect(mismatches, mismatches.join("\n")).toEqual([]);
    });
  }

  it("envoy: /v1/authz without an original path fails closed (403)", async () => {
    for (const url of ["/v1/authz", "/v1/authz?/api/public/README.md"]) {
      const res = await viaSocket("envoy", "GET", url, [["Host", "gw.example"], ...credential("alice")]);
      expect(res.status, `${url}: ${res.body}`).toBe(403);
    }
  });

  it("Forwarded, X-Forwarded-Prefix, method overrides and the other shapes' headers are ignored", async () => {
    const ignored: [string, string][] = [
      ["Forwarded", "for=10.0.0.1;host=internal.example;proto=https"],
      ["X-Forwarded-Prefix", "/internal"],
      ["X-HTTP-Method-Override", "GET"], ["X-HTTP-Method", "GET"], ["X-Method-Override", "GET"],
    ];
    const others: Record<IngressSource, [string, string][]> = {
      nginx: [["X-Forwarded-Method", "GET"], ["X-Forwarded-Uri", "/api/public/README.md"], ["X-Forwarded-Host", "internal.example"]],
      traefik: [["X-Original-Method", "GET"], ["X-Original-URI", "/api/public/README.md"], ["X-Original-Host", "internal.example"]],
      envoy: [["X-Original-Method", "GET"], ["X-Original-URI", "/api/public/README.md"], ["X-Forwarded-Method", "GET"], ["X-Forwarded-Uri", "/api/public/README.md"], ["X-Original-URL", "/api/public/README.md"]],
    };
    for (const source of SOURCES) {
      // bob POSTing to public (denied: he only reads), and bob GETting the secret (denied): overrides and foreign headers change nothing.
      for (const row of [{ method: "POST", uri: "/api/public/README.md", caller: "bob", expected: 403 }, { method: "GET", uri: "/api/secret/README.md", caller: "bob", expected: 403 }] as const) {
        const { method, url, headers } = shape(source, row);
        for (const via of [viaSocket, viaInject]) {
          const res = await via(source, method, url, [...headers, ...ignored, ...others[source]]);
          expect(res.status, `${source} ${row.method} ${row.uri} (${via.name}): ${res.body}`).toBe(403);
        }
      }
      // The host comes from the source's own header only: `Forwarded: host=` never selects the internal route.
      const { method, url, headers } = shape(source, { method: "GET", uri: "/internal/README.md", caller: "alice", expected: 403 });
      expect((await viaSocket(source, method, url, [...headers, ...ignored])).status, `${source} Forwarded host`).toBe(403);
      // An allowed request stays allowed with them (they are ignored, not refused).
      const allowed = shape(source, { method: "GET", uri: "/api/public/README.md", caller: "bob", expected: 200 });
      expect((await viaSocket(source, allowed.method, allowed.url, [...allowed.headers, ...ignored])).status, `${source} allowed`).toBe(200);
    }
  });

  it("a request announcing `Content-Length: 5` and sending no body is answered promptly, with Connection: close", async () => {
    for (const source of SOURCES) {
      for (const caller of ["bob", "none"] as const) {
        const { url, headers } = shape(source, { method: "POST", uri: "/api/public/README.md", caller, expected: 403 });
        const method = source === "envoy" ? "POST" : "GET";
        const started = Date.now();
        const answer = await headOnly(servers[source].port, method, url, [...headers, ["Content-Length", "5"]]);
        const what = `${source} ${caller}`;
        expect(answer.status, `${what}: ${answer.text}`).toBe(caller === "none" ? 401 : 403);
        expect(answer.connection, what).toBe("close");
        // The server closed the connection itself, without waiting for the 5 bytes.
        expect(answer.closedByServer, what).toBe(true);
        expect(Date.now() - started, what).toBeLessThan(2000);
      }
    }
  });
});

/**
 * Sends only the head of a request (keep-alive: any close is the server's
 * doing), reads the answer, then waits at most 2 s for the server to close.
 */
function headOnly(port: number, method: string, url: string, headers: readonly [string, string][]): Promise<{ status: number; connection: string | undefined; closedByServer: boolean; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let data = "";
    let status = 0;
    let connection: string | undefined;
    const timer = setTimeout(() => {
      socket.destroy();
      if (status === 0) reject(new Error(`no answer to ${method} ${url} within 2 s: ${data}`));
      else resolve({ status, connection, closedByServer: false, text: data });
    }, 2000);
    socket.on("connect", () => {
      const host = headers.some(([n]) => n.toLowerCase() === "host") ? "" : "Host: 127.0.0.1\r\n";
      socket.write(`${method} ${url} HTTP/1.1\r\n${host}Connection: keep-alive\r\n${headers.map(([n, v]) => `${n}: ${v}\r\n`).join("")}\r\n`, "latin1");
    });
    socket.on("data", (chunk: Buffer) => {
      data += chunk.toString("latin1");
      const parsed = /^HTTP\/1\.1 (\d{3})/.exec(data);
      if (parsed !== null) status = Number(parsed[1]);
      connection = /\r\nconnection: *([^\r]*)/i.exec(data)?.[1]?.toLowerCase();
    });
    socket.on("error", () => undefined);
    socket.on("close", () => {
      clearTimeout(timer);
      if (status === 0) reject(new Error(`closed without an answer to ${method} ${url}`));
      else resolve({ status, connection, closedByServer: true, text: data });
    });
  });
}
