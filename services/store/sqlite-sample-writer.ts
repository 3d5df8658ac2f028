import type Database from "better-sqlite3";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { closeStatements, initialWatermarks, mergeClause, nextCloseStep, type Watermarks } from "./rollup-closer.ts";
import { accumulate, cacheKey, storable, toSeriesRow, type BucketAccumulator, type SampleWriter } from "./sample-writer.ts";
import { FIVE_MINUTES_MS, ONE_HOUR_MS } from "./store.schema.ts";
import type { WriteReport } from "./store.ts";

/** Rows per multi-row INSERT: one statement step per chunk instead of one per row. */
const CHUNK = 64;

const upsert = (table: string): string =>
  `INSERT INTO ${table} (series_id, bucket, min, max, sum, count, last, last_ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ${mergeClause(table)}`;

type Created = [key: string, id: number, labels: object];
type BatchResult = WriteReport & { newestTs: number; created: Created[]; wm: Watermarks | undefined };

/**
 * better-sqlite3: prepared statements, one transaction per batch, `changes` to know which rows
 * were new. Synchronous: a whole batch commits before the event loop moves on, so nothing else
 * can interleave with it on this connection.
 */
export class SqliteSampleWriter implements SampleWriter {
  private readonly ids = new Map<string, number>();
  /** Label objects the decoder's cache hands out again every batch: identity is the cheapest key. */
  private byObject = new WeakMap<object, number>();
  private wm: Watermarks | undefined;
  private wmLoaded = false;
  private readonly insertSeries: Database.Statement;
  private readonly selectSeries: Database.Statement<[string], number>;
  private readonly insertSample: Database.Statement;
  private readonly insertChunk: Database.Statement;
  private readonly upsert5m: Database.Statement;
  private readonly upsert1h: Database.Statement;
  private readonly selectWm: Database.Statement<[], { resolution: string; watermark: number }>;
  private readonly saveWm: Database.Statement;
  private readonly close5m: Database.Statement;
  private readonly close1h: Database.Statement;
  private readonly tx: (series: readonly TimeSeries[]) => BatchResult;
  private readonly closeTx: (untilMs: number) => Watermarks | undefined;

  constructor(db: Database.Database) {
    this.insertSeries = db.prepare("INSERT INTO series (metric, key, labels, entity_kind, entity_name) VALUES (?, ?, ?, ?, ?) ON CONFLICT (key) DO NOTHING");
    this.selectSeries = db.prepare<[string], number>("SELECT id FROM series WHERE key = ?").pluck();
    this.insertSample = db.prepare("INSERT INTO samples (series_id, ts, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING");
    this.insertChunk = db.prepare(`INSERT INTO samples (series_id, ts, value) VALUES ${Array(CHUNK).fill("(?, ?, ?)").join(", ")} ON CONFLICT DO NOTHING`);
    this.upsert5m = db.prepare(upsert("rollup_5m"));
    this.upsert1h = db.prepare(upsert("rollup_1h"));
    this.selectWm = db.prepare("SELECT resolution, watermark FROM rollup_watermarks");
    this.saveWm = db.prepare("INSERT INTO rollup_watermarks (resolution, watermark) VALUES (?, ?) ON CONFLICT (resolution) DO UPDATE SET watermark = excluded.watermark");
    const close = closeStatements(() => "?");
    this.close5m = db.prepare(close.fiveMinute);
    this.close1h = db.prepare(close.hourly);
    this.tx = db.transaction((series: readonly TimeSeries[]) => this.writeInTransaction(series));
    this.closeTx = db.transaction((untilMs: number) => this.closeInTransaction(untilMs));
  }

  async write(series: readonly TimeSeries[]): Promise<WriteReport & { newestTs: number }> {
    const { created, wm, ...report } = this.tx(series);
    // Only after commit: a rolled-back transaction must not leave ids in the cache.
    for (const [key, id, labels] of created) {
      this.ids.set(key, id);
      if (Object.isFrozen(labels)) this.byObject.set(labels, id);
    }
    this.wm = wm;
    return report;
  }

  async closeRollups(untilMs: number): Promise<boolean> {
    const before = this.loadWm();
    // Called after every batch; most have nothing due, and need no transaction to know it.
    if (before && !nextCloseStep(before, untilMs)) return false;
    const after = this.closeTx(untilMs);
    this.wm = after;
    return after !== before;
  }

  async watermarks(): Promise<Watermarks | undefined> {
    return this.loadWm();
  }

  resetCache(): void {
    this.ids.clear();
    this.byObject = new WeakMap();
    this.wmLoaded = false;
  }

  private loadWm(): Watermarks | undefined {
    if (!this.wmLoaded) {
      const rows = this.selectWm.all();
      const five = rows.find((r) => r.resolution === "5m")?.watermark;
      const hour = rows.find((r) => r.resolution === "1h")?.watermark;
      this.wm = five === undefined || hour === undefined ? undefined : { fiveMinute: five, hourly: hour };
      this.wmLoaded = true;
    }
    return this.wm;
  }

  private writeInTransaction(series: readonly TimeSeries[]): BatchResult {
    let wm = this.loadWm();
    const created: Created[] = [];
    const fine = new Map<string, BucketAccumulator>();
    const coarse = new Map<string, BucketAccumulator>();
    let inserted = 0;
    let duplicates = 0;
    let skipped = 0;
    let newestTs = -Infinity;
    let oldestTs = Infinity;
    // Current samples (the usual case) only need counting: they go in multi-row chunks. Late
    // ones (bucket already rolled up) go one by one, to know which were new.
    const lateBefore = wm ? Math.max(wm.fiveMinute, wm.hourly) : -Infinity;
    const chunk: number[] = [];
    let rows = 0;
    for (const ts of series) {
      const id = this.seriesId(ts.labels, created);
      for (const s of ts.samples) {
        if (!storable(s.value)) {
          skipped++;
          continue;
        }
        const t = s.timestampMs;
        if (t > newestTs) newestTs = t;
        if (t < oldestTs) oldestTs = t;
        if (t >= lateBefore) {
          chunk.push(id, t, s.value);
          if (++rows === CHUNK) {
            inserted += this.insertChunk.run(chunk).changes;
            chunk.length = 0;
            rows = 0;
          }
          continue;
        }
        if (this.insertSample.run(id, t, s.value).changes === 0) continue;
        inserted++;
        if (wm && t < wm.fiveMinute) accumulate(fine, id, t, s.value, FIVE_MINUTES_MS);
        if (wm && t < wm.hourly) accumulate(coarse, id, t, s.value, ONE_HOUR_MS);
      }
    }
    for (let i = 0; i < chunk.length; i += 3) inserted += this.insertSample.run(chunk[i], chunk[i + 1], chunk[i + 2]).changes;
    const stored = series.reduce((n, ts) => n + ts.samples.length, 0) - skipped;
    duplicates = stored - inserted;
    for (const a of fine.values()) this.upsert5m.run(a.seriesId, a.bucket, a.min, a.max, a.sum, a.count, a.last, a.lastTs);
    for (const a of coarse.values()) this.upsert1h.run(a.seriesId, a.bucket, a.min, a.max, a.sum, a.count, a.last, a.lastTs);
    if (!wm && inserted > 0) {
      wm = initialWatermarks(oldestTs);
      this.saveWm.run("5m", wm.fiveMinute);
      this.saveWm.run("1h", wm.hourly);
    }
    return { inserted, duplicates, skipped, newestTs, created, wm };
  }

  private closeInTransaction(untilMs: number): Watermarks | undefined {
    const wm = this.loadWm();
    const step = wm && nextCloseStep(wm, untilMs);
    if (!wm || !step) return wm;
    if (step.to > step.from) this.close5m.run(step.from, step.to);
    if (step.hourTo > step.hourFrom) this.close1h.run(step.hourFrom, step.hourTo);
    this.saveWm.run("5m", step.to);
    this.saveWm.run("1h", step.hourTo);
    return { fiveMinute: step.to, hourly: step.hourTo };
  }

  private seriesId(labels: Readonly<Record<string, string>>, created: Created[]): number {
    const same = this.byObject.get(labels);
    if (same !== undefined) return same;
    const key = cacheKey(labels);
    const cached = this.ids.get(key);
    if (cached !== undefined) {
      if (Object.isFrozen(labels)) this.byObject.set(labels, cached);
      return cached;
    }
    const row = toSeriesRow(labels);
    this.insertSeries.run(row.metric, row.key, row.labels, row.entityKind, row.entityName);
    const id = this.selectSeries.get(row.key) as number;
    created.push([key, id, labels]);
    return id;
  }
}
