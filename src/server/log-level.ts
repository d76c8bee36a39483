/** `LogLevel`: the pino log levels a server's `logger.level` (and the config's `logLevel`) accepts. */
export type LogLevel = "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
