/**
 * Deep links: the page's state in the URL hash, `#view=path&path=/sites/lyon&groups=user,supervisor&access=WRITE&rev=…`.
 * Never a credential.
 */
import type { Access } from "./types.js";

export const VIEWS = ["path", "group", "matrix", "changes"] as const;
export type View = (typeof VIEWS)[number];

export interface Route {
  readonly view: View;
  /** The selected directory. */
  readonly path: string;
  /** The groups the path view explains for, and the matrix's columns when set. */
  readonly groups: readonly string[];
  readonly access: Access;
  /** The group of the group view. */
  readonly group: string;
  /** The revision the link was made at. */
  readonly rev: string;
  /** The changes view: effective changes since this revision. */
  readonly since: string;
  /** The changes view: the diff between these git revisions (commits, tags, branches). */
  readonly from: string;
  readonly to: string;
}

export const DEFAULT_ROUTE: Route = { view: "path", path: "/", groups: [], access: "READ", group: "", rev: "", since: "", from: "", to: "" };

export function parseRoute(hash: string): Route {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view = params.get("view");
  const access = params.get("access");
  const path = params.get("path");
  return {
    view: (VIEWS as readonly string[]).includes(view ?? "") ? (view as View) : DEFAULT_ROUTE.view,
    path: path !== null && path.startsWith("/") ? path : "/",
    groups: splitGroups(params.get("groups") ?? ""),
    access: access === "WRITE" ? "WRITE" : "READ",
    group: params.get("group") ?? "",
    rev: params.get("rev") ?? "",
    since: params.get("since") ?? "",
    from: params.get("from") ?? "",
    to: params.get("to") ?? "",
  };
}

export function formatRoute(route: Route): string {
  const params = new URLSearchParams();
  params.set("view", route.view);
  params.set("path", route.path);
  if (route.groups.length > 0) params.set("groups", route.groups.join(","));
  params.set("access", route.access);
  if (route.group !== "") params.set("group", route.group);
  if (route.rev !== "") params.set("rev", route.rev);
  if (route.since !== "") params.set("since", route.since);
  if (route.from !== "") params.set("from", route.from);
  if (route.to !== "") params.set("to", route.to);
  return `#${params.toString()}`;
}

/** `a, b  c` → `["a", "b", "c"]`: commas or white space separate groups; duplicates dropped. */
export function splitGroups(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter((g) => g !== ""))];
}
