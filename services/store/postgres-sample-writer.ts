import type pg from "pg";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import { cacheKey, storable, toSeriesRow, type SampleWriter, type SeriesRow } from "./sample-writer.ts";
import { closeStatements, initialWatermarks, nextCloseStep, type Watermarks } from "./rollup-closer.ts";
import { FIVE_MINUTES_MS, ONE_HOUR_MS, toNumber } from "./store.schema.ts";
import type { WriteReport } from "./store.ts";

const rollupUpsert = (table: string, widthMs: number): string => `
  INSERT INTO ${table} AS r (series_id, bucket, min, max, sum, count, last, last_ts)
  SELECT series_id, ts - ts % ${widthMs}, min(value), max(value), sum(value), count(*),
         (array_agg(value ORDER BY ts DESC))[1], max(ts)
  FROM ins WHERE ts < $WM GROUP BY 1, 2
  ON CONFLICT (series_id, bucket) DO UPDATE SET
    min = LEAST(r.min, EXCLUDED.min), max = GREATEST(r.max, EXCLUDED.max),
    sum = r.sum + EXCLUDED.sum, count = r.count + EXCLUDED.count,
    last = CASE WHEN EXCLUDED.last_ts >= r.last_ts THEN EXCLUDED.last ELSE r.last END,
    last_ts = GREATEST(r.last_ts, EXCLUDED.last_ts)`;

/**
 * One round trip for samples and late rollups: the INSERT … RETURNING of the samples feeds the
 * rollup upserts as a data-modifying CTE, so only rows really inserted and older than the
 * watermarks ($4, $5) are rolled up now (a replay returns nothing and adds nothing); the rest
 * is rolled up when its bucket closes (rollup-closer.ts). Arrays travel through unnest.
 */
const WRITE_SAMPLES = `
  WITH ins AS (
    INSERT INTO samples (series_id, ts, value)
    SELECT * FROM unnest($1::int8[], $2::int8[], $3::float8[])
    ON CONFLICT DO NOTHING
    RETURNING series_id, ts, value),
  r5 AS (${rollupUpsert("rollup_5m", 300_000).replace("$WM", "$4::int8")}),
  r1 AS (${rollupUpsert("rollup_1h", 3_600_000).replace("$WM", "$5::int8")})
  SELECT count(*) AS inserted FROM ins`;

const UNIQUE_VIOLATION = "23505";
const INSERT_FRESH = `INSERT INTO samples (series_id, ts, value) SELECT * FROM unnest($1::int8[], $2::int8[], $3::float8[])`;

/**
 * New series travel as one JSON array of SeriesRow: JSON.stringify is native, where node-postgres
 * would quote and escape each of five text arrays element by element (for the first batch of
 * a city, 9,000 series, that encoding cost more than the insert).
 */
const INSERT_SERIES = `
  INSERT INTO series (metric, key, labels, entity_kind, entity_name)
  SELECT metric, key, labels, "entityKind", "entityName"
  FROM json_to_recordset($1::json) AS r(metric text, key text, labels text, "entityKind" text, "entityName" text)
  ON CONFLICT (key) DO NOTHING
  RETURNING id, key`;

/**
 * A BRIN page range without a summary matches every range query, and autovacuum summarizes
 * new ranges only now and then: a closing step read every page written since (at the end of
 * the benchmark's hour, the whole table for one bucket; in a city running for days, days of
 * samples). Summarizing the ranges written since the previous step reads those pages once.
 * Only the owner may summarize (members of the owning role included); for others autovacuum
 * still does. Inserts never wait for it (no conflicting lock); the step may wait for an
 * autovacuum of samples, which gives way after deadlock_timeout unless it prevents wraparound.
 */
const SUMMARIZE_NEW_RANGES = `SELECT count(brin_summarize_new_values(c.oid)) FROM pg_class c
  WHERE c.oid IN ('samples_ts_brin'::regclass, 'rollup_5m_bucket_brin'::regclass) AND pg_has_role(c.relowner, 'USAGE');`;

const CLOSE = closeStatements((n) => `$${n}::int8`, "postgres", false);
const CLOSE_MERGING = closeStatements((n) => `$${n}::int8`, "postgres");

/**
 * A numeric array literal (`{1,2.5,Infinity}`): node-postgres would quote and escape every
 * element of a JavaScript array, which costs more than the insert of small rows. Only finite
 * numbers and ±Infinity reach here (NaN is filtered out before).
 */
export function pgArray(values: readonly number[] | Float64Array): string {
  return `{${values.join(",")}}`;
}

/** Advisory lock classes (the two-int4 key space, apart from single-bigint keys): 5-minute and hourly buckets. */
const LOCK_5M = 0x63700005;
const LOCK_1H = 0x63700001;
/** More buckets than this in one batch (a long spool replayed): the batch locks the watermarks instead. */
export const MAX_BATCH_BUCKET_LOCKS = 64;

/** A bucket's lock key: its index wrapped into int4 (a collision only makes two buckets wait for each other). */
function bucketKey(ts: number, widthMs: number): number {
  return Math.floor(ts / widthMs) | 0;
}

/**
 * The buckets a batch holds shared until commit: every 5-minute bucket of its samples at or
 * after the 5-minute watermark (a closing step would read them raw) and every hour at or after
 * the hourly watermark (a late sample's 5-minute upsert is read by the hour's closing). Sorted,
 * as a closing step takes its exclusive locks in the same order, so the two never deadlock.
 */
export function batchBucketLocks(timestamps: Iterable<number>, wm: Watermarks): { five: number[]; hour: number[] } {
  const five = new Set<number>();
  const hour = new Set<number>();
  for (const ts of timestamps) {
    if (ts >= wm.fiveMinute) five.add(bucketKey(ts, FIVE_MINUTES_MS));
    if (ts >= wm.hourly) hour.add(bucketKey(ts, ONE_HOUR_MS));
  }
  return { five: [...five].sort((a, b) => a - b), hour: [...hour].sort((a, b) => a - b) };
}

/** The buckets of a closing step, locked exclusively. */
export function stepBucketLocks(step: { from: number; to: number; hourFrom: number; hourTo: number }): { five: number[]; hour: number[] } {
  const keys = (from: number, to: number, width: number): number[] => {
    const out = new Set<number>();
    for (let b = from; b < to; b += width) out.add(bucketKey(b, width));
    return [...out].sort((a, b) => a - b);
  };
  return { five: keys(step.from, step.to, FIVE_MINUTES_MS), hour: keys(step.hourFrom, step.hourTo, ONE_HOUR_MS) };
}

/** Statements taking transaction-scoped advisory locks on the keys, 5-minute buckets first, each class in ascending order. */
function lockStatements(keys: { five: number[]; hour: number[] }, mode: "shared" | "exclusive"): string {
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  return ([[LOCK_5M, keys.five], [LOCK_1H, keys.hour]] as const)
    .filter(([, k]) => k.length > 0)
    .map(([cls, k]) => `SELECT count(${fn}(${cls}, k)) FROM unnest('${pgArray(k)}'::int4[]) AS k;`)
    .join(" ");
}

/** The newer of two watermark readings (they only move forward). */
function newer(a: Watermarks | undefined, b: Watermarks | undefined): Watermarks | undefined {
  if (!a || !b) return a ?? b;
  return { fiveMinute: Math.max(a.fiveMinute, b.fiveMinute), hourly: Math.max(a.hourly, b.hourly) };
}

async function readWatermarks(client: pg.PoolClient, lock: "FOR SHARE" | "FOR UPDATE" | "", before = ""): Promise<Watermarks | undefined> {
  const text = `${before} SELECT resolution, watermark FROM rollup_watermarks ${lock}`;
  const res = (await client.query(text)) as unknown as pg.QueryResult<{ resolution: string; watermark: string }> | pg.QueryResult<{ resolution: string; watermark: string }>[];
  const { rows } = Array.isArray(res) ? (res[res.length - 1] as pg.QueryResult<{ resolution: string; watermark: string }>) : res;
  const five = rows.find((r) => r.resolution === "5m")?.watermark;
  const hour = rows.find((r) => r.resolution === "1h")?.watermark;
  return five === undefined || hour === undefined ? undefined : { fiveMinute: toNumber(five), hourly: toNumber(hour) };
}

/**
 * The samples a batch stores (NaN values are skipped), as the columns the insert sends, in one
 * pass: `stored[i]` of series i, and the batch's distinct timestamps for its bucket locks (a
 * batch from an agent holds one timestamp per poll, not one per sample).
 */
interface BatchColumns {
  tss: Float64Array;
  values: Float64Array;
  stored: Uint32Array;
  distinctTs: number[];
  skipped: number;
  newestTs: number;
  oldestTs: number;
}

function batchColumns(series: readonly TimeSeries[]): BatchColumns {
  let total = 0;
  for (const ts of series) total += ts.samples.length;
  const tss = new Float64Array(total);
  const values = new Float64Array(total);
  const stored = new Uint32Array(series.length);
  const distinct = new Set<number>();
  let n = 0;
  let previous = NaN;
  let newestTs = -Infinity;
  let oldestTs = Infinity;
  for (let i = 0; i < series.length; i++) {
    const start = n;
    for (const s of (series[i] as TimeSeries).samples) {
      if (!storable(s.value)) continue;
      const t = s.timestampMs;
      if (t !== previous) {
        distinct.add(t);
        previous = t;
        if (t > newestTs) newestTs = t;
        if (t < oldestTs) oldestTs = t;
      }
      tss[n] = t;
      values[n++] = s.value;
    }
    stored[i] = n - start;
  }
  return { tss: tss.subarray(0, n), values: values.subarray(0, n), stored, distinctTs: [...distinct], skipped: total - n, newestTs, oldestTs };
}

/** node-postgres: named prepared statements on a pooled connection, one transaction per batch. */
export class PostgresSampleWriter implements SampleWriter {
  private readonly ids = new Map<string, number>();
  /** Label objects the decoder's cache hands out again every batch: identity is the cheapest key. */
  private byObject = new WeakMap<object, number>();
  /**
   * The newest watermarks this writer has seen committed. Watermarks only move forward, so when
   * these say no bucket is due, none is (another server may only have moved them further).
   */
  private knownWm: Watermarks | undefined;
  /** Set once a closing step met an existing row: later steps use the merging statements. */
  private closeMerging = false;
  readonly closesBesideWrites = true;

  constructor(private readonly pool: pg.Pool) {}

  /** `replay`: a plain insert met a row already stored; this attempt goes through ON CONFLICT. */
  async write(series: readonly TimeSeries[], replay = false): Promise<WriteReport & { newestTs: number }> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const { tss, values, stored, distinctTs, skipped, newestTs, oldestTs } = batchColumns(series);
      let wm = await this.begin(client, distinctTs);
      const { ids, created, unbound } = await this.resolveSeries(client, series);
      const seriesIds = new Float64Array(values.length);
      for (let i = 0, n = 0; i < series.length; i++) {
        const end = n + (stored[i] as number);
        seriesIds.fill(ids[i] as number, n, end);
        n = end;
      }
      if (!wm && values.length > 0) {
        // The first batch: no closing can start before these watermarks commit (with our rows);
        // another server's first batch may have won, whose watermarks are read back under lock.
        const first = initialWatermarks(oldestTs);
        await client.query("INSERT INTO rollup_watermarks (resolution, watermark) VALUES ('5m', $1), ('1h', $2) ON CONFLICT DO NOTHING", [first.fiveMinute, first.hourly]);
        wm = await readWatermarks(client, "FOR SHARE");
      }
      // No late sample (the usual case): a plain insert, its row count is all we need.
      // A batch creating series (the first from a new agent) takes the ON CONFLICT path
      // directly: the fallback below rolls the whole transaction back.
      const late = replay || (wm !== undefined && oldestTs < wm.fiveMinute) || created.length > 0;
      let inserted: number;
      if (late) {
        const res = await client.query<{ inserted: string }>({
          name: "cityplane_write_samples",
          text: WRITE_SAMPLES,
          values: [pgArray(seriesIds), pgArray(tss), pgArray(values), wm?.fiveMinute ?? 0, wm?.hourly ?? 0],
        });
        inserted = toNumber(res.rows[0]?.inserted ?? 0);
      } else {
        // Replays are rare: a plain insert (no speculative insertion per row, and no
        // savepoint: a subtransaction's rows cost every later reader a pg_subtrans lookup);
        // should a row be there already, the batch is redone through ON CONFLICT DO NOTHING.
        const res = await client.query({ name: "cityplane_insert_fresh", text: INSERT_FRESH, values: [pgArray(seriesIds), pgArray(tss), pgArray(values)] });
        inserted = res.rowCount ?? 0;
      }
      await client.query("COMMIT");
      this.learn(wm);
      for (const [key, id] of created) this.ids.set(key, id);
      // Only label objects not yet bound: setting a WeakMap entry again for every series of
      // every batch cost more than the rest of the writer's own work.
      for (const i of unbound) {
        const labels = (series[i] as TimeSeries).labels;
        if (Object.isFrozen(labels)) this.byObject.set(labels, ids[i] as number);
      }
      return { inserted, duplicates: values.length - inserted, skipped, newestTs };
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined);
      if (replay || (err as { code?: string }).code !== UNIQUE_VIOLATION) {
        broken = err as Error;
        throw err;
      }
    } finally {
      // A connection that failed mid-transaction may be dead: destroy it rather than pool it.
      client.release(broken);
    }
    return this.write(series, true);
  }

  /**
   * Begins a batch's transaction and returns the watermarks it relies on until commit. Shared
   * locks on the buckets of its samples that are not closed by the newest watermarks known (a
   * superset: they only move forward), then a fresh read: a closing step holds its buckets
   * exclusively until it commits, so any bucket still open in that read stays open until this
   * batch commits, and its samples are in the raw table before the step reads it; a bucket
   * closed meanwhile is below the read and its samples are merged as late ones. Closing thus
   * runs beside ingest instead of between batches. A batch spanning many buckets locks the
   * watermarks FOR SHARE instead (a closing step locks them FOR UPDATE).
   */
  private async begin(client: pg.PoolClient, timestamps: readonly number[]): Promise<Watermarks | undefined> {
    // One round trip: BEGIN, the locks and the read go as one simple-protocol query.
    let opening = "BEGIN;";
    let seen = this.knownWm;
    if (!seen) {
      seen = await readWatermarks(client, "", opening);
      opening = "";
      if (!seen) return undefined;
    }
    const keys = batchBucketLocks(timestamps, seen);
    if (keys.five.length + keys.hour.length > MAX_BATCH_BUCKET_LOCKS) return readWatermarks(client, "FOR SHARE", opening);
    return readWatermarks(client, "", `${opening} ${lockStatements(keys, "shared")}`);
  }

  private learn(wm: Watermarks | undefined): void {
    this.knownWm = newer(this.knownWm, wm);
  }

  /**
   * Called after every batch, and nothing is due for most of them: answered from the known
   * watermarks, else by a plain read. Only a due step locks the watermarks (FOR UPDATE writes
   * WAL, and its commit would wait for a flush even when nothing was rolled up).
   */
  async closeRollups(untilMs: number): Promise<boolean> {
    if (this.knownWm && !nextCloseStep(this.knownWm, untilMs)) return false;
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      const current = await readWatermarks(client, "");
      this.learn(current);
      if (!current || !nextCloseStep(current, untilMs)) return false;
      try {
        return await this.closeStep(client, untilMs);
      } catch (err) {
        await client.query("ROLLBACK");
        if ((err as { code?: string }).code !== UNIQUE_VIOLATION || this.closeMerging) throw err;
        this.closeMerging = true;
        return await this.closeStep(client, untilMs);
      }
    } catch (err) {
      broken = err as Error;
      await client.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      client.release(broken);
    }
  }

  private async closeStep(client: pg.PoolClient, untilMs: number): Promise<boolean> {
    // Memory enough to sort a closing step of a large city without spilling to disk.
    const wm = await readWatermarks(client, "FOR UPDATE", "BEGIN; SET LOCAL work_mem = '64MB';");
    const step = wm && nextCloseStep(wm, untilMs);
    if (!step) {
      await client.query("COMMIT");
      this.learn(wm);
      return false;
    }
    // Summarized before the bucket locks, which batches wait for. Batches writing into these
    // buckets commit first; later ones see the new watermarks.
    await client.query(`${SUMMARIZE_NEW_RANGES} ${lockStatements(stepBucketLocks(step), "exclusive")}`);
    const [close, suffix] = this.closeMerging ? [CLOSE_MERGING, "_merging"] : [CLOSE, ""];
    if (step.to > step.from) await client.query({ name: `cityplane_close_5m${suffix}`, text: close.fiveMinute, values: [step.from, step.to] });
    if (step.hourTo > step.hourFrom) await client.query({ name: `cityplane_close_1h${suffix}`, text: close.hourly, values: [step.hourFrom, step.hourTo] });
    await client.query("UPDATE rollup_watermarks SET watermark = CASE resolution WHEN '5m' THEN $1::int8 ELSE $2::int8 END", [step.to, step.hourTo]);
    await client.query("COMMIT");
    this.learn({ fiveMinute: step.to, hourly: step.hourTo });
    return true;
  }

  async watermarks(): Promise<Watermarks | undefined> {
    const client = await this.pool.connect();
    try {
      return await readWatermarks(client, "");
    } finally {
      client.release();
    }
  }

  resetCache(): void {
    this.knownWm = undefined;
    this.ids.clear();
    this.byObject = new WeakMap();
  }

  /**
   * Ids for every series of the batch: from the cache, else inserted/looked up in two statements.
   * `unbound`: the series whose label object is not in `byObject` yet.
   */
  private async resolveSeries(client: pg.PoolClient, series: readonly TimeSeries[]): Promise<{ ids: (number | undefined)[]; created: [string, number][]; unbound: number[] }> {
    const ids: (number | undefined)[] = [];
    const unbound: number[] = [];
    const missing = new Map<string, { row: SeriesRow; cacheKeys: Set<string>; indexes: number[] }>();
    series.forEach((ts, i) => {
      const same = this.byObject.get(ts.labels);
      if (same !== undefined) {
        ids.push(same);
        return;
      }
      unbound.push(i);
      const key = cacheKey(ts.labels);
      const id = this.ids.get(key);
      ids.push(id);
      if (id !== undefined) return;
      const row = toSeriesRow(ts.labels);
      const m = missing.get(row.key) ?? { row, cacheKeys: new Set<string>(), indexes: [] };
      m.cacheKeys.add(key);
      m.indexes.push(i);
      missing.set(row.key, m);
    });
    const created: [string, number][] = [];
    if (missing.size === 0) return { ids, created, unbound };
    const rows = [...missing.values()].map((m) => m.row);
    const insertedRows = await client.query<{ id: string; key: string }>({
      name: "cityplane_insert_series_json",
      text: INSERT_SERIES,
      values: [JSON.stringify(rows)],
    });
    // Series another writer created meanwhile are not returned by DO NOTHING: look those up.
    const returned = new Set(insertedRows.rows.map((r) => r.key));
    const others = rows.filter((r) => !returned.has(r.key)).map((r) => r.key);
    const found = others.length === 0 ? [] : (await client.query<{ id: string; key: string }>({ name: "cityplane_select_series", text: "SELECT id, key FROM series WHERE key = ANY($1::text[])", values: [others] })).rows;
    for (const { id, key } of [...insertedRows.rows, ...found]) {
      const m = missing.get(key);
      if (!m) continue;
      for (const i of m.indexes) ids[i] = toNumber(id);
      for (const k of m.cacheKeys) created.push([k, toNumber(id)]);
    }
    return { ids, created, unbound };
  }
}
