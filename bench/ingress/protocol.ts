/**
 * The IPC between `bench/ingress.ts` and its child processes (the backend
 * and treerights): the parent asks for counters or a shutdown, the child
 * answers with the same `id`.
 */

/** The backend's response body: 1 KiB. */
export const BODY_BYTES = 1024;

/** Messages the parent sends. */
export type ChildRequest = { readonly type: "stats"; readonly id: number } | { readonly type: "close"; readonly id: number };

/** What a child's counters say so far. */
export interface ChildStats {
  /** CPU time of the child (and, for a cluster primary, its workers), µs. */
  readonly cpuMicros: number;
  /** Requests received. */
  readonly requests: number;
  /** TCP connections accepted. */
  readonly connections: number;
  /** The backend only: the last request it received (the witness of what nginx passed on). */
  readonly last?: { readonly url: string; readonly authUser: string | null; readonly hasToken: boolean };
}

/** What a child sends. */
export type ChildReply =
  | { readonly type: "ready"; readonly port: number }
  | { readonly type: "stats"; readonly id: number; readonly stats: ChildStats }
  | { readonly type: "closed"; readonly id: number };

/** utime + stime of a process from /proc (clock ticks of 10 ms on Linux), µs; NaN when unreadable. */
export function procCpuMicros(stat: string | undefined): number {
  if (stat === undefined) return Number.NaN;
  // Fields after the parenthesised command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return (utime + stime) * 10_000;
}
