// The watch thread's entry when treerights runs from its TypeScript sources
// (tests and benches under vitest or tsx): a worker thread does not inherit
// its parent's loader hooks on Node 20, so it registers tsx itself.
// The built package starts `watch-worker.js` directly and never loads this.
import { register } from "tsx/esm/api";

register();
await import("./watch-worker.ts");
