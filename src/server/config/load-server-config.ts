/**
 * `loadServerConfig`: reads a `treerights.server.yaml`, checks it against
 * `schemas/server-config.schema.json` and the rules the schema cannot say
 * (one kind per realm, unique names, readable signing keys, valid CIDR
 * blocks), and resolves it. Every problem names the file, line and column.
 */
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import { dirname, resolve } from "node:path";
import type { Position, Problem } from "../../engine/index.js";
import { LoadError } from "../../engine/index.js";
import { sortProblems } from "../../loader/parse/problems.js";
import { parseSchemaYaml, schemaValidator } from "../../loader/parse/schema-yaml.js";
import { parseDuration } from "./duration.js";
import type { GroupMapping, RealmConfig } from "./realm-config.js";
import type { Callers, IngressConfig, RouteFamily, ServerConfig, TokensConfig } from "./server-config.js";
import { readSigningKey } from "./signing-keys.js";
import type { SigningKey } from "./signing-keys.js";

const validate = schemaValidator(new URL("../../../schemas/server-config.schema.json", import.meta.url));

const KINDS = ["oidc", "apiKeys", "basic", "headers"] as const;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The result of checking a config: the config when it has no errors, and every problem. */
export interface ServerConfigCheck {
  readonly config: ServerConfig | null;
  readonly problems: readonly Problem[];
  /** Where the value at `path` (JSON pointer segments) stands in the file, for later findings. */
  readonly at: (path: readonly (string | number)[]) => Position;
}

/** Loads `file`; throws `LoadError` listing every problem when it has errors. */
export async function loadServerConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerConfig> {
  const { config, problems } = await checkServerConfig(file, env);
  if (config === null) throw new LoadError(problems);
  return config;
}

/** Reads and checks `file` without throwing for its problems. */
export async function checkServerConfig(file: string, env: NodeJS.ProcessEnv = process.env): Promise<ServerConfigCheck> {
  const path = resolve(file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = typeof error === "object" && error !== null && "code" in error ? String(error.code) : "unknown";
    const why = code === "ENOENT" ? "the server config does not exist" : `the server config cannot be read (${code})`;
    return { config: null, problems: [{ code: "file_unreadable", severity: "error", file: path, line: 0, column: 0, message: why }], at: () => ({ line: 0, column: 0 }) };
  }
  const parsed = parseSchemaYaml(bytes, path, validate());
  if (parsed.value === null) return { config: null, problems: parsed.problems, at: parsed.at };
  const problems = [...parsed.problems];
  const report = (at: readonly (string | number)[], message: string, code: "schema_violation" | "invalid_secret" = "schema_violation"): void => {
    const place: Position = parsed.at(at);
    problems.push({ code, severity: "error", file: path, line: place.line, column: place.column, message });
  };
  const config = resolveConfig(parsed.value as RawConfig, path, env, report);
  const sorted = sortProblems(problems);
  return { config: sorted.some((p) => p.severity === "error") ? null : config, problems: sorted, at: parsed.at };
}

type Report = (at: readonly (string | number)[], message: string, code?: "schema_violation" | "invalid_secret") => void;

// The shape the schema guarantees.
interface RawConfig {
  readonly tree?: string;
  readonly ref?: string;
  readonly listen?: { readonly host?: string; readonly port?: number };
  readonly workers?: number | "auto";
  readonly watch?: boolean;
  readonly ignore?: readonly string[];
  readonly logLevel?: ServerConfig["logLevel"];
  readonly realms?: readonly RawRealm[];
  readonly tokens?: RawTokens;
  readonly api?: Readonly<Partial<Record<RouteFamily, { readonly groups?: readonly string[]; readonly scopes?: readonly string[] }>>>;
  readonly decisionLog?: { readonly file?: string; readonly stdout?: boolean };
  readonly ingress?: RawIngress;
  readonly ui?: boolean;
}

interface RawRealm {
  readonly name: string;
  readonly prefix?: string;
  readonly map?: Readonly<Record<string, string>>;
  readonly oidc?: Readonly<Record<string, unknown>> & { readonly issuer: string; readonly audience: string | readonly string[]; readonly algorithms: readonly string[] };
  readonly apiKeys?: { readonly file: string };
  readonly basic?: Readonly<Record<string, unknown>> & { readonly file: string };
  readonly headers?: { readonly user?: string; readonly groups?: string; readonly trustedProxies: readonly string[] };
}

interface RawTokens {
  readonly issuer?: string;
  readonly audience?: string;
  readonly lifetime?: string | number;
  readonly maxLifetime?: string | number;
  readonly signer?: string;
  readonly keys: readonly { readonly kid: string; readonly file?: string; readonly env?: string; readonly publishOnly?: boolean }[];
}

interface RawIngress {
  readonly source?: IngressConfig["source"];
  readonly routes?: readonly { readonly prefix: string; readonly tree: string; readonly host?: string; readonly methods?: Readonly<Record<string, "READ" | "WRITE">> }[];
  readonly denyConfusableSegments?: boolean;
  readonly groupsHeader?: boolean;
  readonly groupsHeaderMaxBytes?: number;
  readonly token?: boolean;
  readonly tokenLifetime?: string | number;
  readonly loginUrl?: string;
}

function resolveConfig(raw: RawConfig, file: string, env: NodeJS.ProcessEnv, report: Report): ServerConfig {
  const base = dirname(file);
  const tokens = raw.tokens === undefined ? undefined : resolveTokens(raw.tokens, base, env, report);
  const issuer = raw.tokens === undefined ? undefined : raw.tokens.issuer ?? "treerights";
  (raw.realms ?? []).forEach((realm, i) => {
    // The issued-token realm reads its issuer's tokens before any OIDC realm: one issuer cannot name both.
    if (realm.oidc !== undefined && realm.oidc.issuer === issuer) report(["realms", i, "oidc", "issuer"], `realm \`${realm.name}\` has the issuer of treerights' own tokens (\`tokens.issuer\`); give the tokens another issuer`);
  });
  const decisionLog = raw.decisionLog === undefined ? undefined : {
    ...(raw.decisionLog.file === undefined ? {} : { file: resolve(base, raw.decisionLog.file) }),
    stdout: raw.decisionLog.stdout ?? false,
  };
  if (decisionLog !== undefined && decisionLog.file === undefined && !decisionLog.stdout) report(["decisionLog"], "`decisionLog` needs `file` or `stdout: true`");
  if (raw.ingress?.token === true && raw.tokens === undefined) report(["ingress", "token"], "`ingress.token` needs `tokens` (the keys that sign the downstream token)");
  return {
    file,
    ...(raw.tree === undefined ? {} : { tree: resolve(base, raw.tree) }),
    ...(raw.ref === undefined ? {} : { ref: raw.ref }),
    ...(raw.listen?.host === undefined ? {} : { host: raw.listen.host }),
    ...(raw.listen?.port === undefined ? {} : { port: raw.listen.port }),
    ...(raw.workers === undefined ? {} : { workers: raw.workers }),
    ...(raw.watch === undefined ? {} : { watch: raw.watch }),
    ...(raw.ignore === undefined ? {} : { ignore: raw.ignore }),
    ...(raw.logLevel === undefined ? {} : { logLevel: raw.logLevel }),
    realms: resolveRealms(raw.realms ?? [], base, report),
    ...(tokens === undefined ? {} : { tokens }),
    api: resolveApi(raw.api ?? {}, report),
    ...(decisionLog === undefined ? {} : { decisionLog }),
    ...(raw.ingress === undefined ? {} : { ingress: resolveIngress(raw.ingress, report) }),
    ui: raw.ui ?? false,
  };
}

function resolveRealms(raws: readonly RawRealm[], base: string, report: Report): RealmConfig[] {
  const realms: RealmConfig[] = [];
  const names = new Set<string>();
  raws.forEach((raw, i) => {
    const at = ["realms", i];
    if (names.has(raw.name)) report([...at, "name"], `realm name \`${raw.name}\` is used twice; give each realm its own name`);
    names.add(raw.name);
    const kinds = KINDS.filter((k) => raw[k] !== undefined);
    if (kinds.length !== 1) {
      report(at, kinds.length === 0
        ? `realm \`${raw.name}\` needs one of \`oidc\`, \`apiKeys\`, \`basic\` or \`headers\``
        : `realm \`${raw.name}\` has ${kinds.map((k) => `\`${k}\``).join(" and ")}; give each kind its own realm`);
      return;
    }
    if (raw.prefix !== undefined && raw.map !== undefined) report([...at, "map"], `realm \`${raw.name}\` has both \`prefix\` and \`map\`; use one`);
    const mapping: GroupMapping | undefined = raw.map !== undefined ? { map: new Map(Object.entries(raw.map)) } : raw.prefix !== undefined ? { prefix: raw.prefix } : undefined;
    const common = { name: raw.name, ...(mapping === undefined ? {} : { mapping }) };
    if (raw.oidc !== undefined) {
      const oidc = resolveOidc(raw.oidc, base, [...at, "oidc"], report);
      realms.push({ ...common, kind: "oidc", oidc });
    } else if (raw.apiKeys !== undefined) {
      realms.push({ ...common, kind: "apiKeys", apiKeys: { file: resolve(base, raw.apiKeys.file) } });
    } else if (raw.basic !== undefined) {
      const b = raw.basic;
      realms.push({
        ...common, kind: "basic", basic: {
          file: resolve(base, b.file),
          cacheSize: num(b["cacheSize"], 10_000),
          cacheTtlMs: duration(b["cacheTtl"], 5 * MINUTE),
          maxFailuresPerUser: num(b["maxFailuresPerUser"], 10),
          maxFailuresPerAddress: num(b["maxFailuresPerAddress"], 50),
          failureWindowMs: duration(b["failureWindow"], 15 * MINUTE),
        },
      });
    } else if (raw.headers !== undefined) {
      const h = raw.headers;
      h.trustedProxies.forEach((block, j) => {
        if (!isCidr(block)) report([...at, "headers", "trustedProxies", j], `\`${block}\` is not a CIDR block such as \`127.0.0.1/32\` or \`::1/128\``);
      });
      realms.push({
        ...common, kind: "headers", headers: {
          user: (h.user ?? "X-Auth-Request-User").toLowerCase(),
          groups: (h.groups ?? "X-Auth-Request-Groups").toLowerCase(),
          trustedProxies: h.trustedProxies,
        },
      });
    }
  });
  return realms;
}

function resolveOidc(o: NonNullable<RawRealm["oidc"]>, base: string, at: readonly (string | number)[], report: Report): Extract<RealmConfig, { kind: "oidc" }>["oidc"] {
  const jwks = o["jwks"] as string | undefined;
  const keys = o["keys"] as string | undefined;
  if ((jwks === undefined) === (keys === undefined)) report(at, "an `oidc` realm needs exactly one of `jwks` (a URL) and `keys` (a local JWKS file)");
  const claim = (o["groupsClaim"] as string | undefined) ?? "groups";
  const typ = o["typ"] as string | undefined;
  return {
    issuer: o.issuer,
    audience: typeof o.audience === "string" ? [o.audience] : o.audience,
    algorithms: o.algorithms,
    ...(jwks === undefined ? {} : { jwks }),
    ...(keys === undefined ? {} : { keysFile: resolve(base, keys) }),
    groupsClaim: claim.split("."),
    subjectClaim: (o["subjectClaim"] as string | undefined) ?? "sub",
    requireGroups: (o["requireGroups"] as boolean | undefined) ?? true,
    clockSkewMs: duration(o["clockSkew"], 30_000),
    ...(typ === undefined ? {} : { typ }),
    jwksCooldownMs: duration(o["jwksCooldown"], 30_000),
    jwksMaxStaleMs: duration(o["jwksMaxStale"], HOUR),
    jwksRefreshMs: duration(o["jwksRefresh"], 5 * MINUTE),
    jwksTimeoutMs: duration(o["jwksTimeout"], 5_000),
    maxTokenBytes: num(o["maxTokenBytes"], 8192),
    tokenCacheSize: num(o["tokenCacheSize"], 10_000),
  };
}

function resolveTokens(raw: RawTokens, base: string, env: NodeJS.ProcessEnv, report: Report): TokensConfig | undefined {
  const keys: SigningKey[] = [];
  const kids = new Set<string>();
  raw.keys.forEach((source, i) => {
    if (kids.has(source.kid)) report(["tokens", "keys", i, "kid"], `key id \`${source.kid}\` is used twice`);
    kids.add(source.kid);
    const key = readSigningKey(source, base, env);
    if (typeof key === "string") report(["tokens", "keys", i], key, "invalid_secret");
    else keys.push(key);
  });
  const lifetimeMs = duration(raw.lifetime, HOUR);
  const maxLifetimeMs = duration(raw.maxLifetime, 24 * HOUR);
  if (lifetimeMs > maxLifetimeMs) report(["tokens", "lifetime"], `\`lifetime\` is longer than \`maxLifetime\` (24h unless set); shorten it or raise \`maxLifetime\``);
  if (lifetimeMs < 1000) report(["tokens", "lifetime"], "`lifetime` must be at least 1s");
  const signer = raw.signer === undefined ? keys.find((k) => !k.publishOnly) : keys.find((k) => k.kid === raw.signer);
  if (keys.length < raw.keys.length) return undefined;
  if (signer === undefined || signer.publishOnly) {
    report(["tokens", raw.signer === undefined ? "keys" : "signer"], raw.signer === undefined
      ? "every key is `publishOnly`; one key must sign"
      : `\`signer\` \`${raw.signer}\` is not a key of \`tokens.keys\` that may sign`);
    return undefined;
  }
  return { issuer: raw.issuer ?? "treerights", audience: raw.audience ?? "treerights", lifetimeMs, maxLifetimeMs, keys, signer };
}

function resolveApi(raw: NonNullable<RawConfig["api"]>, report: Report): Partial<Record<RouteFamily, Callers>> {
  const api: Partial<Record<RouteFamily, Callers>> = {};
  for (const family of ["decisions", "admin"] as const) {
    const callers = raw[family];
    if (callers === undefined) continue;
    const groups = callers.groups ?? [];
    const scopes = callers.scopes ?? [];
    if (groups.length + scopes.length === 0) report(["api", family], `\`api.${family}\` lists no \`groups\` or \`scopes\`; nobody could call it`);
    api[family] = { groups, scopes };
  }
  return api;
}

function resolveIngress(raw: RawIngress, report: Report): IngressConfig {
  if (raw.source === undefined) report(["ingress"], "`ingress` needs `source`: `nginx`, `traefik` or `envoy`");
  return {
    source: raw.source ?? "nginx",
    routes: (raw.routes ?? []).map((r) => ({
      prefix: r.prefix, tree: r.tree, ...(r.host === undefined ? {} : { host: r.host.toLowerCase() }),
      methods: new Map(Object.entries(r.methods ?? {}).map(([m, level]) => [m.toUpperCase(), level])),
    })),
    denyConfusableSegments: raw.denyConfusableSegments ?? false,
    groupsHeader: raw.groupsHeader ?? false,
    groupsHeaderMaxBytes: raw.groupsHeaderMaxBytes ?? 2048,
    token: raw.token ?? false,
    tokenLifetimeMs: duration(raw.tokenLifetime, 5 * MINUTE),
    ...(raw.loginUrl === undefined ? {} : { loginUrl: raw.loginUrl }),
  };
}

function duration(value: unknown, fallback: number): number {
  return value === undefined ? fallback : parseDuration(value) ?? fallback;
}

function num(value: unknown, fallback: number): number {
  return typeof value === "number" ? value : fallback;
}

/** `addr/bits` with a valid address and prefix length for its family. */
export function isCidr(block: string): boolean {
  const slash = block.lastIndexOf("/");
  if (slash < 0) return false;
  const family = isIP(block.slice(0, slash));
  const bits = block.slice(slash + 1);
  if (family === 0 || !/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}
