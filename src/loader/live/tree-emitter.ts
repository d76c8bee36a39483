/** The events of a live tree: typed listeners, and emits that a throwing listener cannot stop. */
import { EventEmitter } from "node:events";
import type { TreeEvents } from "../types.js";

/**
 * A live tree's event emitter. `emit` does nothing once `silence()` was
 * called (a closing tree says nothing more), and a listener that throws
 * does not stop the reload that emitted: its error is rethrown on the next
 * tick, as any throwing listener's is.
 */
export class TreeEmitter {
  readonly #events = new EventEmitter();
  #silent = false;

  on<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): void {
    this.#events.on(event, listener as (...args: unknown[]) => void);
  }

  off<E extends keyof TreeEvents>(event: E, listener: (...args: TreeEvents[E]) => void): void {
    this.#events.off(event, listener as (...args: unknown[]) => void);
  }

  /** From now on, `emit` does nothing. */
  silence(): void {
    this.#silent = true;
  }

  emit<E extends keyof TreeEvents>(event: E, ...args: TreeEvents[E]): void {
    if (this.#silent) return;
    try {
      this.#events.emit(event, ...args);
    } catch (err) {
      process.nextTick(() => {
        throw err;
      });
    }
  }
}
