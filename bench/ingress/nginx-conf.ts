/**
 * The two nginx configs of `bench/ingress.ts`, both made from
 * `examples/nginx/nginx.conf` by `exampleConf` (test/ingress/nginx-harness.ts:
 * only the three loopback ports substituted):
 *
 * - `withAuth`: the example as it is;
 * - `withoutAuth`: the example with its one `auth_request /_treerights_authz;`
 *   line removed, nothing else: the same upstreams and keepalive, the same
 *   access log, the same header clearing on the proxied request (the
 *   `auth_request_set` variables are then empty, and nginx drops a header
 *   set to an empty value), so the difference between the two is the
 *   subrequest and treerights' answer.
 */
import { exampleConf } from "../../test/ingress/nginx-harness.js";

const AUTH_REQUEST_LINE = /^[ \t]*auth_request \/_treerights_authz;[ \t]*\n/gm;

export interface Ports {
  readonly gateway: number;
  readonly treerights: number;
  readonly backend: number;
}

export function withAuth(ports: Ports): string {
  return exampleConf(ports);
}

export function withoutAuth(ports: Ports): string {
  const text = exampleConf(ports);
  const found = text.match(AUTH_REQUEST_LINE)?.length ?? 0;
  if (found !== 1) throw new Error(`examples/nginx/nginx.conf has ${String(found)} \`auth_request /_treerights_authz;\` lines; the bench removes exactly one`);
  return text.replace(AUTH_REQUEST_LINE, "");
}
