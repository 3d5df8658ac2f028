import type Database from "better-sqlite3";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { accumulate, cacheKey, storable, toSeriesRow, type BucketAccumulator, type SampleWriter } from "./sample-writer.ts";
import { FIVE_MINUTES_MS, ONE_HOUR_MS } from "./store.schema.ts";
import type { WriteReport } from "./store.ts";

const ROLLUP_UPSERT = (table: string): string => `
  INSERT INTO ${table} (series_id, bucket, min, max, sum, count, last, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
  ON CONFLICT (series_id, bucket) DO UPDATE SET
    min = min(min, excluded.min), max = max(max, excluded.max),
    sum = sum + excluded.sum, count = count + excluded.count,
    last = CASE WHEN excluded.last_ts >= last_ts THEN excluded.last ELSE last END,
    last_ts = max(last_ts, excluded.last_ts)`;

/**
 * better-sqlite3: prepared statements, one transaction per batch, `changes` to know which rows
 * were new (so a replay adds nothing to the rollups). Synchronous: the whole batch commits
 * before the event loop moves on, so nothing else can interleave with it on this connection.
 */
export class SqliteSampleWriter implements SampleWriter {
  private readonly ids = new Map<string, number>();
  private readonly insertSeries: Database.Statement;
  private readonly selectSeries: Database.Statement<[string], number>;
  private readonly insertSample: Database.Statement;
  private readonly upsert5m: Database.Statement;
  private readonly upsert1h: Database.Statement;
  private readonly tx: (series: readonly TimeSeries[]) => WriteReport & { created: [string, number][] };

  constructor(db: Database.Database) {
    this.insertSeries = db.prepare("INSERT INTO series (metric, key, labels, entity_kind, entity_name) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING");
    this.selectSeries = db.prepare<[string], number>("SELECT id FROM series WHERE key = ?").pluck();
    this.insertSample = db.prepare("INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    this.upsert5m = db.prepare(ROLLUP_UPSERT("rollup_5m"));
    this.upsert1h = db.prepare(ROLLUP_UPSERT("rollup_1h"));
    this.tx = db.transaction((series: readonly TimeSeries[]) => this.writeInTransaction(series));
  }

  async write(series: readonly TimeSeries[]): Promise<WriteReport> {
    const { created, ...report } = this.tx(series);
    // Only after commit: a rolled-back transaction must not leave ids in the cache.
    for (const [key, id] of created) this.ids.set(key, id);
    return report;
  }

  resetCache(): void {
    this.ids.clear();
  }

  private writeInTransaction(series: readonly TimeSeries[]): WriteReport & { created: [string, number][] } {
    const created: [string, number][] = [];
    const fine = new Map<string, BucketAccumulator>();
    const coarse = new Map<string, BucketAccumulator>();
    let inserted = 0;
    let duplicates = 0;
    let skipped = 0;
    for (const ts of series) {
      const id = this.seriesId(ts.labels, created);
      for (const s of ts.samples) {
        if (!storable(s.value)) {
          skipped++;
          continue;
        }
        if (this.insertSample.run(id, s.timestampMs, s.value).changes === 0) {
          duplicates++;
          continue;
        }
        inserted++;
        accumulate(fine, id, s.timestampMs, s.value, FIVE_MINUTES_MS);
        accumulate(coarse, id, s.timestampMs, s.value, ONE_HOUR_MS);
      }
    }
    for (const a of fine.values()) this.upsert5m.run(a.seriesId, a.bucket, a.min, a.max, a.sum, a.count, a.last, a.lastTs);
    for (const a of coarse.values()) this.upsert1h.run(a.seriesId, a.bucket, a.min, a.max, a.sum, a.count, a.last, a.lastTs);
    return { inserted, duplicates, skipped, created };
  }

  private seriesId(labels: Readonly<Record<string, string>>, created: [string, number][]): number {
    const key = cacheKey(labels);
    const cached = this.ids.get(key);
    if (cached !== undefined) return cached;
    const row = toSeriesRow(labels);
    this.insertSeries.run(row.metric, row.key, row.labels, row.entityKind, row.entityName);
    const id = this.selectSeries.get(row.key) as number;
    created.push([key, id]);
    return id;
  }
}
