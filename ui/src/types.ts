/** The shapes of the public HTTP API the page reads (README "HTTP API", docs/openapi.json). */
import type { Access, EffectiveChange, Explanation, WhereResult } from "../../src/engine/types.js";
import type { TreeListing } from "../../src/server/tree-entry.js";

// The engine's own types, where the API sends them as they are (type-only: nothing of the engine is bundled).
export type { Access, EffectiveChange, ExplainStep } from "../../src/engine/types.js";
export type { TreeEntry } from "../../src/server/tree-entry.js";
export const LEVELS: readonly Access[] = ["READ", "WRITE"];

export interface Problem {
  readonly code: string;
  readonly severity?: string;
  /** Relative to the tree root; "" for the tree itself. */
  readonly file: string;
  /** 1-based; 0 when not tied to a place. */
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

export interface HistoryEntry {
  readonly revision: string;
  readonly commit?: string | null;
  readonly at: string;
  readonly filesChanged: number;
  readonly changes: { readonly grants: number; readonly revocations: number };
}

export interface Status {
  readonly version?: string;
  readonly revision: string;
  readonly commit?: string | null;
  readonly loadedAt: string;
  readonly fileCount?: number;
  readonly reloads?: number;
  readonly rejected: { readonly revision?: string; readonly at?: string; readonly problems: readonly Problem[] } | null;
  readonly watch?: { readonly state: string; readonly error?: string };
  readonly history?: readonly HistoryEntry[];
  readonly protected?: readonly string[];
  /** The groups the tree's treerights.yaml lists, when the server gives them. */
  readonly groups?: readonly string[];
}

/** `GET /v1/tree`: the server's own types (`patterns`: the directory's rights file has pattern rules). */
export type TreeAnswer = TreeListing & { readonly revision: string; readonly commit?: string | null };

export interface FileAnswer {
  readonly path: string;
  readonly file: string;
  readonly text: string;
  readonly revision: string;
}

/** `GET /v1/where`: the engine's answer, with the answering revision. */
export type WhereAnswer = WhereResult & { readonly revision: string };

export interface GroupsAnswer {
  readonly groups: readonly string[];
  readonly revision: string;
}

/** `POST /v1/explain`: the engine's explanation, with the groups no rights file names and the answering commit. */
export type ExplainAnswer = Explanation & { readonly unknownGroups?: readonly string[]; readonly commit?: string | null };

export interface BatchAnswer {
  readonly results: readonly boolean[];
  readonly revision: string;
}


export interface ChangesAnswer {
  readonly from: string;
  readonly to: string;
  readonly changes: readonly EffectiveChange[];
  readonly revision: string;
}

/** `treerights diff --format json` (src/cli/format-diff.ts). */
export interface DiffAnswer {
  readonly from: { readonly ref: string; readonly revision: string; readonly commit?: string };
  readonly to: { readonly ref: string; readonly revision: string; readonly commit?: string };
  readonly changed: boolean;
  readonly summary: { readonly entries: number; readonly paths: number; readonly grants: number; readonly revocations: number; readonly examined: number };
  readonly entries: readonly {
    readonly access: Access;
    readonly path: string;
    readonly added: readonly string[];
    readonly removed: readonly string[];
    readonly cause: { readonly file: string; readonly dir: string; readonly keyword: string; readonly side: "from" | "to"; readonly change: string; readonly match?: string; readonly chain?: readonly string[] };
    readonly count: number;
    readonly paths: readonly string[];
    readonly nested: boolean;
  }[];
  readonly files: readonly { readonly file: string; readonly change: string }[];
  readonly risks: readonly { readonly rule: string; readonly entry: number; readonly access: Access; readonly path: string; readonly groups: readonly string[]; readonly message: string }[];
}
