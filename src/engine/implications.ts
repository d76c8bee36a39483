/**
 * The `Implications` type (SPEC 1.5) on its own, importing nothing, so that
 * `types.ts` can name it without an import cycle; `implies.ts` builds it.
 */

/** The implications of an index, closed under transitivity. */
export interface Implications {
  /** True when no group implies another: every method answers the trivial way. */
  readonly empty: boolean;
  /** The implications as declared: each group and the groups it names directly. */
  readonly declared: ReadonlyMap<string, readonly string[]>;
  /** Every group `group` implies, directly or through others, without itself; sorted. */
  implied(group: string): readonly string[];
  /** SPEC 1.5 `expand(groups)`: the groups and every group they imply, each once, the given ones first. */
  expand(groups: readonly string[]): readonly string[];
  /** The groups outside `groups` that imply one of them (they hold what `groups` hold), sorted. */
  reaching(groups: Iterable<string>): readonly string[];
  /**
   * The shortest chain of implications from `from` to a member of `targets`,
   * `[from, …, target]` (`[from]` when `from` is a target), or null when
   * `from` implies none of them. Ties go to the chain first in code-unit order.
   */
  chain(from: string, targets: ReadonlySet<string>): readonly string[] | null;
}
