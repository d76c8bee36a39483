/**
 * Finding YAML nodes again: resolving aliases in one pass, naming keys as
 * `toJS` does, and following a JSON pointer (as ajv reports it) to the node
 * and key it came from, so every problem gets a line and column.
 */
import type { Document, Node, Pair } from "yaml";
import { isAlias, isMap, isScalar, isSeq, visit } from "yaml";

/** Each alias's target (the last node anchored with its name before it), or `undefined`. */
export type AliasTargets = ReadonlyMap<Node, Node | undefined>;

/**
 * Resolves every alias of `doc` in document order with one walk; YAML's own
 * `Alias.resolve` walks the whole document per alias.
 */
export function resolveAliases(doc: Document): AliasTargets {
  const anchors = new Map<string, Node>();
  const targets = new Map<Node, Node | undefined>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) targets.set(node, anchors.get(node.source));
      else if (node.anchor !== undefined) anchors.set(node.anchor, node);
    },
  });
  return targets;
}

/** `node`, or what it points to when it is an alias (`undefined` for an alias without anchor). */
export function deref(node: unknown, aliases: AliasTargets): unknown {
  return isAlias(node) ? aliases.get(node) : node;
}

/** The key as `toJS` spells it in a plain object, or `undefined` for a collection key. */
export function keyName(key: unknown): string | undefined {
  if (key === null || key === undefined) return "";
  if (!isScalar(key)) return undefined;
  const value: unknown = key.value;
  if (value === null || value === undefined) return "";
  return typeof value === "string" || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint" ? String(value) : undefined;
}

/** The node standing at a JSON pointer (`/READ/include/0`) and the key it is the value of. */
export interface Located {
  readonly node: Node | null;
  /** The key node of the pair holding `node`, when `node` is a mapping value. */
  readonly key: Node | null;
}

/**
 * Follows a JSON pointer through maps (the last pair with that key wins, as
 * in `toJS`), sequences and aliases. Stops at the deepest node it can reach.
 */
export function locate(doc: Document, pointer: string, aliases: AliasTargets): Located {
  let node: unknown = doc.contents;
  let key: Node | null = null;
  for (const segment of parsePointer(pointer)) {
    const current = deref(node, aliases);
    if (isMap(current)) {
      const pair = lastPair(current.items, segment);
      if (pair === undefined) break;
      key = asNode(pair.key);
      node = pair.value;
    } else if (isSeq(current) && /^(0|[1-9]\d*)$/.test(segment)) {
      const item: unknown = current.items[Number(segment)];
      if (item === undefined) break;
      key = null;
      node = item;
    } else break;
  }
  return { node: asNode(node), key };
}

/** The key node of the entry named `name` in the mapping at `pointer`. */
export function locateKey(doc: Document, pointer: string, name: string, aliases: AliasTargets): Node | null {
  const map = deref(locate(doc, pointer, aliases).node, aliases);
  if (!isMap(map)) return null;
  return asNode(lastPair(map.items, name)?.key);
}

function lastPair(items: readonly Pair[], name: string): Pair | undefined {
  for (let i = items.length - 1; i >= 0; i--) {
    const pair = items[i];
    if (pair !== undefined && keyName(pair.key) === name) return pair;
  }
  return undefined;
}

function asNode(value: unknown): Node | null {
  return isAlias(value) || isScalar(value) || isMap(value) || isSeq(value) ? value : null;
}

/** The unescaped segments of a JSON pointer (RFC 6901). */
export function parsePointer(pointer: string): string[] {
  if (pointer === "") return [];
  return pointer.slice(1).split("/").map((s) => s.replace(/~1/g, "/").replace(/~0/g, "~"));
}

/** A JSON pointer from segments. */
export function formatPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => `/${String(s).replace(/~/g, "~0").replace(/\//g, "~1")}`).join("");
}
