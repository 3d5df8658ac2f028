#!/usr/bin/env node
// The one cityplane CLI. Sources are TypeScript, loaded through tsx so that the same files run
// in development, in tests and in production without a separate build step.
import { register } from "tsx/esm/api";

register();
// `cityplane sim --list --json | head` closes the pipe early: that is the reader's choice, not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err) => {
    if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw err;
  });
}
const { main } = await import("../cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
