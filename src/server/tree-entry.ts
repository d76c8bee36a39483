/**
 * The shapes `GET /v1/tree` answers with. No imports: the explorer page
 * (ui/) reads the same types, type-only.
 */

/** One directory as `GET /v1/tree` answers it. */
export interface TreeEntry {
  readonly path: string;
  readonly name: string;
  readonly read: readonly string[];
  readonly write: readonly string[];
  readonly file: string | null;
  readonly line?: { readonly READ?: number; readonly WRITE?: number };
  readonly cut: { readonly READ: boolean; readonly WRITE: boolean };
  readonly patterns: boolean;
  readonly hasChildren: boolean;
}

/** The answer of `GET /v1/tree`, without its revision. */
export interface TreeListing {
  readonly path: string;
  readonly indexed: boolean;
  readonly self: TreeEntry;
  readonly entries: readonly TreeEntry[];
}
