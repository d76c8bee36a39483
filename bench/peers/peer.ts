/** What every engine in the peers bench offers: the decision, and how big its compiled form is. */
import type { Checker } from "../reference.js";

/** A built engine: its decision function and the count of what it was built from. */
export interface Engine {
  readonly checker: Checker;
  /** Policy lines, policies or rights files. */
  readonly units: number;
  readonly unitName: string;
}
