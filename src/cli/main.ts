#!/usr/bin/env node
/** The `treerights` executable: runs the CLI on the process's arguments. */
import { run } from "./run.js";

process.exitCode = await run(process.argv.slice(2));
