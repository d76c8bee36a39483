/**
 * The trusted-headers realm (SPEC 4): a user and groups asserted in headers
 * by a proxy that already authenticated the caller (oauth2-proxy's
 * `X-Auth-Request-User` / `X-Auth-Request-Groups`), believed only from a
 * peer address inside `trustedProxies`. From anyone else the headers are
 * ignored (and logged): they never make an identity.
 */
import { BlockList, isIPv4 } from "node:net";
import type { IncomingMessage } from "node:http";
import type { GroupMapping, HeadersRealmConfig } from "../config/realm-config.js";
import { mapGroups } from "./group-mapping.js";
import type { Identity, Realm, RealmAnswer, RealmStatus } from "./identity.js";
import { headerCount } from "./read-credential.js";

/** A headers realm: `assert` reads the headers of a request (no other realm kind does). */
export interface HeadersRealm extends Realm {
  readonly kind: "headers";
  /**
   * The identity the headers assert when `peer` is trusted; `untrusted` when
   * they are present but the peer is not trusted (the caller logs it); null
   * when the user header is absent. A header sent twice is refused.
   */
  assert(raw: IncomingMessage, peer: string): RealmAnswer | "untrusted";
}

const MAX_GROUPS = 1000;
const MAX_REMEMBERED = 10_000;

/** The realm named `name`. */
export function createHeadersRealm(name: string, config: HeadersRealmConfig, mapping: GroupMapping | undefined): HeadersRealm {
  const trusted = new BlockList();
  for (const block of config.trustedProxies) {
    const slash = block.lastIndexOf("/");
    const address = block.slice(0, slash);
    trusted.addSubnet(address, Number(block.slice(slash + 1)), isIPv4(address) ? "ipv4" : "ipv6");
  }
  const isTrusted = (peer: string): boolean => {
    // An IPv4 peer on a dual-stack socket is `::ffff:a.b.c.d`.
    const v4 = peer.startsWith("::ffff:") && isIPv4(peer.slice(7)) ? peer.slice(7) : null;
    if (v4 !== null) return trusted.check(v4, "ipv4");
    return isIPv4(peer) ? trusted.check(peer, "ipv4") : peer !== "" && trusted.check(peer, "ipv6");
  };
  const seen = new Map<string, Identity>();
  return {
    name,
    kind: "headers",
    authenticate: () => null,
    assert(raw, peer) {
      const { headers } = raw;
      const user = headers[config.user];
      if (user === undefined) return null;
      if (!isTrusted(peer)) return "untrusted";
      if (headerCount(raw, config.user) > 1 || headerCount(raw, config.groups) > 1) return { kind: "refused", code: "credential_invalid" };
      // Node hands header values over as latin1, one char per byte: the proxy sent UTF-8.
      const subject = typeof user === "string" ? utf8(user)?.trim() ?? "" : "";
      if (subject === "") return { kind: "refused", code: "credential_invalid" };
      const listedRaw = headers[config.groups];
      const asserted = typeof listedRaw === "string" ? utf8(listedRaw) : "";
      if (asserted === null) return { kind: "refused", code: "credential_invalid" };
      // The same assertion gives the same (frozen) identity: what is derived from it (a downstream token) is reused.
      const key = `${subject}\n${asserted}`;
      let identity = seen.get(key);
      if (identity === undefined) {
        const listed = asserted.split(",").map((g) => g.trim()).filter((g) => g !== "");
        if (listed.length > MAX_GROUPS) return { kind: "refused", code: "credential_invalid" };
        identity = Object.freeze({ realm: name, subject, groups: mapGroups(listed, mapping), source: Object.freeze({ kind: "headers" as const }) });
        if (seen.size >= MAX_REMEMBERED) seen.clear();
        seen.set(key, identity);
      }
      return { kind: "identity", identity };
    },
    status: (): RealmStatus => ({ name, kind: "headers", ready: true }),
    close: () => Promise.resolve(),
  };
}

const UTF8 = new TextDecoder("utf-8", { fatal: true });

/** A header value's bytes read as UTF-8; null when they are not UTF-8. */
function utf8(value: string): string | null {
  try {
    return UTF8.decode(Buffer.from(value, "latin1"));
  } catch {
    return null;
  }
}
