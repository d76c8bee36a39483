/** Where the CLI writes: the process streams, or captured ones in tests. */

/** The one method of a writable stream the CLI uses. */
export interface OutputStream {
  write(chunk: string): unknown;
  /** Terminal width, when the stream is a TTY. */
  readonly columns?: number;
}

/** The CLI's output streams. */
export interface CliIo {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
}

/** The process's own streams. */
export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr };
}

/** Writes each line followed by a newline. */
export function writeLines(stream: OutputStream, lines: readonly string[]): void {
  if (lines.length > 0) stream.write(`${lines.join("\n")}\n`);
}

/** Writes a value as indented JSON and a newline. */
export function writeJson(stream: OutputStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
