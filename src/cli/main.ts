#!/usr/bin/env node
/** The `treerights` executable: runs the CLI on the process's arguments. */
import { run } from "./run.js";

// A reader that goes away (`treerights --help | head`) ends the command
// quietly, as a closed pipe ends any Unix tool; other stream errors still throw.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

process.exitCode = await run(process.argv.slice(2));
