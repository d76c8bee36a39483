import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ReloadScheduler } from "../../src/loader/live/watch-scheduler.js";

/** A run the test finishes by hand, counting starts and overlaps. */
function controlledRun() {
  const state = { started: 0, active: 0, maxActive: 0, finish: [] as (() => void)[] };
  const run = (): Promise<void> => {
    state.started++;
    state.active++;
    state.maxActive = Math.max(state.maxActive, state.active);
    return new Promise<void>((resolve) => {
      state.finish.push(() => {
        state.active--;
        resolve();
      });
    });
  };
  return { state, run };
}

describe("ReloadScheduler", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("waits until changes are quiet for the debounce, then runs once", async () => {
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler(run, { debounceMs: 50 });
    for (let i = 0; i < 10; i++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(30);
    }
    expect(state.started).toBe(0);
    await vi.advanceTimersByTimeAsync(50);
    expect(state.started).toBe(1);
    state.finish.shift()?.();
    await scheduler.close();
  });

  it("runs after the max wait when changes never stop", async () => {
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler(run, { debounceMs: 50, maxWaitMs: 300 });
    for (let i = 0; i < 14; i++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(25);
    }
    expect(state.started).toBe(1);
    state.finish.shift()?.();
    await scheduler.close();
  });

  it("defaults the max wait to one second", async () => {
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler(run, { debounceMs: 50 });
    for (let i = 0; i < 38; i++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(25);
    }
    expect(state.started).toBe(0);
    for (let i = 0; i < 4; i++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(25);
    }
    expect(state.started).toBe(1);
    state.finish.shift()?.();
    await scheduler.close();
  });

  it("never overlaps runs and turns changes during a run into exactly one more run", async () => {
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler(run, { debounceMs: 10 });
    scheduler.notify();
    await vi.advanceTimersByTimeAsync(10);
    expect(state.started).toBe(1);
    for (let i = 0; i < 5; i++) {
      scheduler.notify();
      await vi.advanceTimersByTimeAsync(20);
    }
    expect(state.started).toBe(1);
    state.finish.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(state.started).toBe(2);
    state.finish.shift()?.();
    await vi.advanceTimersByTimeAsync(100);
    expect(state.started).toBe(2);
    expect(state.maxActive).toBe(1);
    await scheduler.close();
  });

  it("now() skips the debounce and resolves after a run that started after the call", async () => {
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler(run, { debounceMs: 50 });
    scheduler.notify();
    let firstDone = false;
    void scheduler.now().then(() => (firstDone = true));
    expect(state.started).toBe(1);
    let secondDone = false;
    void scheduler.now().then(() => (secondDone = true));
    state.finish.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(firstDone).toBe(true);
    expect(secondDone).toBe(false);
    expect(state.started).toBe(2);
    state.finish.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    expect(secondDone).toBe(true);
    // The pending debounced change was covered by the forced run.
    await vi.advanceTimersByTimeAsync(200);
    expect(state.started).toBe(2);
    await scheduler.close();
  });

  it("tells a run whether now() forced it, also when it was queued", async () => {
    const forced: boolean[] = [];
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler((isForced) => {
      forced.push(isForced);
      return run();
    }, { debounceMs: 10 });
    scheduler.notify();
    await vi.advanceTimersByTimeAsync(10);
    scheduler.notify();
    await vi.advanceTimersByTimeAsync(10);
    const done = scheduler.now();
    state.finish.shift()?.();
    await vi.advanceTimersByTimeAsync(0);
    state.finish.shift()?.();
    await done;
    expect(forced).toEqual([false, true]);
    await scheduler.close();
  });

  it("keeps scheduling after a run fails", async () => {
    let runs = 0;
    const scheduler = new ReloadScheduler(() => {
      runs++;
      return Promise.reject(new Error("boom"));
    }, { debounceMs: 5 });
    await scheduler.now();
    scheduler.notify();
    await vi.advanceTimersByTimeAsync(5);
    expect(runs).toBe(2);
    await scheduler.close();
  });

  it("close() drops pending changes, waits for the running run, and is idempotent", async () => {
    const { state, run } = controlledRun();
    const scheduler = new ReloadScheduler(run, { debounceMs: 10 });
    void scheduler.now();
    scheduler.notify();
    let closed = false;
    void scheduler.close().then(() => (closed = true));
    await vi.advanceTimersByTimeAsync(50);
    expect(closed).toBe(false);
    state.finish.shift()?.();
    await vi.advanceTimersByTimeAsync(50);
    expect(closed).toBe(true);
    await scheduler.close();
    scheduler.notify();
    await scheduler.now();
    await vi.advanceTimersByTimeAsync(50);
    expect(state.started).toBe(1);
  });
});
