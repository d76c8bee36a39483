/** `ServerConfig`: a `treerights.server.yaml` resolved: defaults applied, durations in ms, paths absolute, signing keys read. */
import type { LogLevel } from "../log-level.js";
import type { RealmConfig } from "./realm-config.js";
import type { SigningKey } from "./signing-keys.js";

/** Who may call one family of routes: a caller holding one of `groups` or one of `scopes`. */
export interface Callers {
  readonly groups: readonly string[];
  readonly scopes: readonly string[];
}

/** The route families a credential can be required for (SPEC 5, issue 14). */
export type RouteFamily = "decisions" | "admin";

/** Tokens issued by `POST /v1/token` and accepted back. */
export interface TokensConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly lifetimeMs: number;
  readonly maxLifetimeMs: number;
  /** Every key, published in the JWKS; `signer` signs. */
  readonly keys: readonly SigningKey[];
  readonly signer: SigningKey;
}

/** One ingress route: a URL prefix (for one host, or any) mapped to a tree path. */
export interface IngressRoute {
  readonly prefix: string;
  readonly tree: string;
  readonly host?: string;
  /** Method → level overrides (upper-case methods; a `Map`: methods are caller data). */
  readonly methods: ReadonlyMap<string, "READ" | "WRITE">;
}

/** `/v1/authz` settings (SPEC 5). */
export interface IngressConfig {
  readonly source: "nginx" | "traefik" | "envoy";
  readonly routes: readonly IngressRoute[];
  readonly denyConfusableSegments: boolean;
  readonly groupsHeader: boolean;
  readonly groupsHeaderMaxBytes: number;
  readonly token: boolean;
  readonly tokenLifetimeMs: number;
  readonly loginUrl?: string;
}

/** A loaded server config. Fields a flag may set are optional: absent means the flag's default. */
export interface ServerConfig {
  /** The config file, absolute. */
  readonly file: string;
  /** The tree directory, absolute. */
  readonly tree?: string;
  readonly ref?: string;
  readonly host?: string;
  readonly port?: number;
  /** `auto` already resolved by the CLI; a number here. */
  readonly workers?: number | "auto";
  readonly watch?: boolean;
  readonly ignore?: readonly string[];
  readonly logLevel?: LogLevel;
  readonly realms: readonly RealmConfig[];
  readonly tokens?: TokensConfig;
  /** Families that need a credential, with who may call them. */
  readonly api: Readonly<Partial<Record<RouteFamily, Callers>>>;
  readonly decisionLog?: { readonly file?: string; readonly stdout: boolean };
  readonly ingress?: IngressConfig;
  readonly ui: boolean;
}
