/**
 * Child process of crash-safety.test.ts: writes numbered batches into the SQLite store and
 * prints each batch number only after writeSamples resolved (= committed), like the ingest
 * route acknowledging a request. `node bin/run-ts.js crash-writer.main.ts DATA_DIR FIRST_BATCH`.
 */
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { openStore } from "./open-store.ts";

/** Series per batch and the time of batch 0 (shared with the test). */
export const CRASH_SERIES = 50;
export const CRASH_BASE_MS = Date.UTC(2026, 10, 1);

/** Batch `n`: one sample per series at BASE + n seconds, value n. */
export function crashBatch(n: number): TimeSeries[] {
  return Array.from({ length: CRASH_SERIES }, (_, slot) => ({
    labels: { __name__: "crash_probe", device: `d${slot % 5}`, slot: String(slot) },
    samples: [{ timestampMs: CRASH_BASE_MS + n * 1000, value: n }],
  }));
}

if (process.argv[1]?.endsWith("crash-writer.main.ts")) {
  const [dir, first] = process.argv.slice(2);
  if (!dir || first === undefined) {
    console.error("usage: crash-writer.main.ts DATA_DIR FIRST_BATCH");
    process.exit(2);
  }
  const store = await openStore({ dataDir: dir });
  for (let n = Number(first); ; n++) {
    await store.writeSamples(crashBatch(n));
    process.stdout.write(`${n}\n`);
  }
}
