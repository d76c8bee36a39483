/** `handleShutdownSignals`: SIGTERM and SIGINT close a server gracefully, then exit the process. */

const SIGNALS = ["SIGTERM", "SIGINT"] as const;

/** The two log methods shutdown uses (a pino logger has them). */
export interface ShutdownLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * Installs the SIGTERM/SIGINT handlers: the first signal removes them (so a
 * second one kills at once), logs, runs `close` and exits 0, or 1 when
 * `close` fails or takes longer than `timeoutMs`. Returns the function that
 * removes the handlers.
 */
export function handleShutdownSignals(close: () => Promise<void>, log: ShutdownLog, timeoutMs: number): () => void {
  const remove = (): void => {
    for (const s of SIGNALS) process.off(s, onSignal);
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    remove();
    log.info({ signal }, "shutting down: finishing in-flight requests");
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, "shutdown timed out; exiting");
      process.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  for (const s of SIGNALS) process.on(s, onSignal);
  return remove;
}
