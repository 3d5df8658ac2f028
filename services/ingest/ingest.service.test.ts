import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CityEvent } from "../../protocol/event.schema.ts";
import { decodeWriteRequest, encodeWriteRequest, type TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { KyselyStore } from "../store/kysely-store.ts";
import { openStore } from "../store/open-store.ts";
import { IngestService, InvalidBatchError, OverloadedError } from "./ingest.service.ts";

const NOW = Date.UTC(2026, 10, 21, 12);
const clock = (): number => NOW;
let dir: string;
let store: KyselyStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cityplane-ingest-"));
  store = await openStore({ dataDir: dir });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

function series(labels: Record<string, string>, ...points: [number, number][]): TimeSeries {
  return { labels: { __name__: "ifHCOutOctets", ...labels }, samples: points.map(([timestampMs, value]) => ({ timestampMs, value })) };
}

describe("IngestService", () => {
  it("stores a decoded remote-write body and acknowledges a replay as duplicates", async () => {
    const ingest = new IngestService(store, clock);
    const body = encodeWriteRequest([series({ device: "r1", ifName: "Gi0/1" }, [NOW - 60_000, 1], [NOW, 2]), series({ device: "r1", ifName: "Gi0/2" }, [NOW, 3])]);
    const decoded = decodeWriteRequest(body, { maxDecodedBytes: 1 << 20 });
    expect(await ingest.ingestSamples(decoded)).toEqual({ series: 2, inserted: 3, duplicates: 0, skipped: 0 });
    expect(await ingest.ingestSamples(decoded)).toEqual({ series: 2, inserted: 0, duplicates: 3, skipped: 0 });
    expect((await store.latest({ metric: "ifHCOutOctets", labels: { device: "r1" } })).map((v) => v.value).sort()).toEqual([2, 3]);
  });

  const bad: [string, TimeSeries[], RegExp][] = [
    ["a sample 11 minutes ahead", [series({ device: "r2" }, [NOW, 1]), series({ device: "r3" }, [NOW + 11 * 60_000, 1])], /ifHCOutOctets\{device="r3"\}: sample at .* more than 10 minutes in the future/],
    ["a sample older than the raw retention", [series({ device: "r4" }, [NOW - 15 * 86_400_000, 1])], /device="r4".*older than the 14-day raw retention/],
    ["a timestamp far beyond any date", [series({ device: "r5" }, [8.64e15 * 10, 1])], /device="r5".*not a whole number|device="r5".*future/],
    ["a bad metric name", [{ labels: { __name__: "9bad", device: "r6" }, samples: [{ timestampMs: NOW, value: 1 }] }], /metric name "9bad" is not a valid/],
    ["no metric name", [{ labels: { device: "r6" }, samples: [{ timestampMs: NOW, value: 1 }] }], /metric name "" is not a valid/],
    ["a bad label name", [series({ "bad-label": "x" }, [NOW, 1])], /label name "bad-label" is invalid/],
    ["a label value too long", [series({ device: "x".repeat(2000) }, [NOW, 1])], /label device is longer than 1024/],
    ["too many labels", [series(Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`l${i}`, "v"])), [NOW, 1])], /41 labels; at most 32/],
  ];
  it.each(bad)("rejects a batch with %s, naming the series, and stores none of it", async (_, batch, message) => {
    const ingest = new IngestService(store, clock);
    await expect(ingest.ingestSamples(batch)).rejects.toThrow(InvalidBatchError);
    await expect(ingest.ingestSamples(batch)).rejects.toThrow(message);
    expect(await store.latest({ metric: "ifHCOutOctets", labels: { device: "r2" } })).toEqual([]);
  });

  it("rejects batches over the series limit", async () => {
    const ingest = new IngestService(store, clock, { maxSeriesPerBatch: 2 });
    const batch = [1, 2, 3].map((i) => series({ device: `s${i}` }, [NOW, i]));
    await expect(ingest.ingestSamples(batch)).rejects.toThrow("3 series in one batch; at most 2");
  });

  it("turns batches away with a retry delay while too many writes wait, then accepts again", async () => {
    const ingest = new IngestService(store, clock, { maxPendingWrites: 2, retryAfterSeconds: 3 });
    const batches = [1, 2, 3].map((i) => [series({ device: "busy", ifName: `Gi0/${i}` }, [NOW, i])]);
    const results = await Promise.allSettled(batches.map((b) => ingest.ingestSamples(b)));
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled", "rejected"]);
    const refused = (results[2] as PromiseRejectedResult).reason as OverloadedError;
    expect(refused).toBeInstanceOf(OverloadedError);
    expect(refused.retryAfterSeconds).toBe(3);
    expect(await ingest.ingestSamples(batches[2] as TimeSeries[])).toMatchObject({ inserted: 1 });
  });

  it("stores events once and rejects events from the future", async () => {
    const ingest = new IngestService(store, clock);
    const e: CityEvent = { id: "trap-000001", ts: NOW, kind: "trap", type: "linkDown", severity: "major", security: false, agent: "a1", message: "link down", attributes: {} };
    expect(await ingest.ingestEvents([e])).toEqual({ inserted: 1, duplicates: 0 });
    expect(await ingest.ingestEvents([e])).toEqual({ inserted: 0, duplicates: 1 });
    const future = { ...e, id: "trap-000002", ts: NOW + 3_600_000 };
    await expect(ingest.ingestEvents([future])).rejects.toThrow(/event trap-000002: timestamp .* more than 10 minutes in the future/);
    expect(await store.events({ limit: 10 })).toHaveLength(1);
  });
});
