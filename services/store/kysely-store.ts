import { Migrator, sql, type Kysely, type Migration } from "kysely";
import type { CityEvent, EntityRef } from "../../protocol/event.schema.ts";
import type { TimeSeries } from "../../protocol/remote-write.codec.ts";
import type { SampleWriter } from "./sample-writer.ts";
import { aggregateRaw, aggregateRollup, chooseResolution, validateQuery, type RollupRow } from "./series-aggregate.ts";
import { mapStoreError } from "./store-errors.ts";
import { FIVE_MINUTES_MS, ONE_HOUR_MS, toNumber, type StoreDatabase } from "./store.schema.ts";
import type {
  EntityState, EventQuery, LatestValue, MigrationReport, RetentionPolicy, SeriesQuery, SeriesResult, SeriesSelector, StateInterval, Store, WriteReport,
} from "./store.ts";
import { WriteLock } from "./write-lock.ts";
import { GRACE_MS, mergeRows, rollupOfPoints, type Watermarks } from "./rollup-closer.ts";

/** What a dialect supplies: its Kysely instance, hot-path writer, migrations and extras. */
export interface DialectParts {
  dialect: "sqlite" | "postgres";
  db: Kysely<StoreDatabase>;
  writer: SampleWriter;
  migrations: Record<string, Migration>;
  /** Runs `fn` with writes made durable against power loss (SQLite: synchronous=FULL). */
  durably<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
  logger?: { warn(msg: string): void };
}

const DAY_MS = 86_400_000;
/** Rows per retention delete: small enough that ingest waits milliseconds, not seconds. */
const RETENTION_SERIES_PER_BATCH = 50;
const RETENTION_ROWS_PER_BATCH = 2000;

/**
 * The Store over Kysely for everything but the sample hot path. Every write goes through one
 * WriteLock (but PostgreSQL's closing steps, which lock their buckets instead); every error that
 * means "database unavailable" leaves as StoreUnavailableError.
 */
export class KyselyStore implements Store {
  private readonly lock = new WriteLock();
  private readonly db: Kysely<StoreDatabase>;
  private newestTs = -Infinity;
  private closing: Promise<void> | undefined;

  constructor(private readonly parts: DialectParts) {
    this.db = parts.db;
  }

  /** Writers queued or running (the ingest service's backpressure reads it). */
  get pendingWrites(): number {
    return this.lock.pending;
  }

  async migrate(): Promise<MigrationReport> {
    const migrator = new Migrator({ db: this.db, provider: { getMigrations: async () => this.parts.migrations } });
    const { error, results } = await migrator.migrateToLatest();
    if (error) {
      const failed = results?.find((r) => r.status === "Error")?.migrationName;
      throw new Error(`${this.parts.dialect} migration ${failed ?? "(before any ran)"} failed: ${(error as Error).message ?? String(error)}`, { cause: error });
    }
    const applied = (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
    const names = Object.keys(this.parts.migrations).sort();
    return { dialect: this.parts.dialect, applied, current: names[names.length - 1] ?? "" };
  }

  async writeSamples(series: readonly TimeSeries[]): Promise<WriteReport> {
    const { newestTs, ...report } = await this.guard(() =>
      this.lock.run(async () => {
        try {
          return await this.parts.writer.write(series);
        } catch (err) {
          this.parts.writer.resetCache();
          throw err;
        }
      }),
    );
    if (newestTs > this.newestTs) this.newestTs = newestTs;
    // Closing is not awaited: the batch is acknowledged now.
    if (!this.closing) {
      this.closing = this.flushRollups().catch((err: unknown) => this.parts.logger?.warn(`store: rolling up closed buckets failed, will retry: ${(err as Error).message}`)).finally(() => {
        this.closing = undefined;
      });
    }
    return report;
  }

  /**
   * Rolls up every bucket closed before `untilMs` (default: the newest sample seen, less the
   * grace for late samples), one step at a time: beside the next batches where the writer
   * allows it (PostgreSQL, on a connection of its own), else one short write-lock hold per step.
   */
  async flushRollups(untilMs = this.newestTs - GRACE_MS): Promise<void> {
    if (!Number.isFinite(untilMs)) return;
    const writer = this.parts.writer;
    const step = (): Promise<boolean> => writer.closeRollups(untilMs);
    while (await this.guard(() => (writer.closesBesideWrites ? step() : this.lock.run(step)))) {
      await new Promise((r) => setImmediate(r));
    }
  }

  writeEvents(events: readonly CityEvent[]): Promise<WriteReport> {
    if (events.length === 0) return Promise.resolve({ inserted: 0, duplicates: 0 });
    const rows = events.map((e) => ({
      id: e.id, ts: e.ts, kind: e.kind, type: e.type, severity: e.severity, security: e.security ? 1 : 0, agent: e.agent,
      source: e.source ?? null, entity_kind: e.entity?.kind ?? null, entity_name: e.entity?.name ?? null,
      message: e.message, attributes: JSON.stringify(e.attributes ?? {}),
    }));
    const write = async (): Promise<WriteReport> => {
      let inserted = 0;
      await this.db.transaction().execute(async (trx) => {
        for (let i = 0; i < rows.length; i += 500) {
          const res = await trx.insertInto("events").values(rows.slice(i, i + 500)).onConflict((oc) => oc.column("id").doNothing()).executeTakeFirst();
          inserted += Number(res.numInsertedOrUpdatedRows ?? 0n);
        }
      });
      return { inserted, duplicates: rows.length - inserted };
    };
    // Security events (auth failures, config changes) are what an investigation needs after a
    // power cut too; everything else may lose its last commits then (never on a process crash).
    return this.guard(() => this.lock.run(() => (events.some((e) => e.security) ? this.parts.durably(write) : write())));
  }

  recordState(entity: EntityRef, state: EntityState, atMs: number, reason?: string): Promise<void> {
    return this.guard(() =>
      this.lock.run(() =>
        this.db.transaction().execute(async (trx) => {
          const open = await trx.selectFrom("state_intervals").select(["id", "state", "start_ms"])
            .where("entity_kind", "=", entity.kind).where("entity_name", "=", entity.name).where("end_ms", "is", null).executeTakeFirst();
          if (open) {
            const start = toNumber(open.start_ms);
            // A report older than the current interval is late news: the newer one stands.
            if (open.state === state || atMs < start) return;
            if (atMs === start) {
              await trx.updateTable("state_intervals").set({ state, reason: reason ?? null }).where("id", "=", open.id).execute();
              return;
            }
            await trx.updateTable("state_intervals").set({ end_ms: atMs }).where("id", "=", open.id).execute();
          }
          await trx.insertInto("state_intervals")
            .values({ entity_kind: entity.kind, entity_name: entity.name, state, start_ms: atMs, end_ms: null, reason: reason ?? null }).execute();
        }),
      ),
    );
  }

  async querySeries(query: SeriesQuery): Promise<SeriesResult[]> {
    validateQuery(query);
    return this.guard(async () => {
      const series = await this.findSeries(query);
      const resolution = chooseResolution(query);
      const wm = resolution === "raw" || series.length === 0 ? undefined : await this.parts.writer.watermarks();
      const out: SeriesResult[] = [];
      for (const s of series) {
        if (resolution === "raw") {
          const from = query.aggregation === "rate" ? query.fromMs - query.stepMs : query.fromMs;
          const rows = await this.db.selectFrom("samples").select(["ts", "value"])
            .where("series_id", "=", s.id).where("ts", ">=", from).where("ts", "<", query.toMs).orderBy("ts").execute();
          const points = aggregateRaw(rows.map((r) => ({ ts: toNumber(r.ts), value: r.value })), query);
          out.push({ labels: s.labels, resolution, points });
        } else {
          const rows = await this.rollupRows(s.id, resolution, query.fromMs - Math.max(query.stepMs, ONE_HOUR_MS), query.toMs, wm);
          const width = resolution === "5m" ? FIVE_MINUTES_MS : ONE_HOUR_MS;
          // For rate, earlier buckets supply the first increase; otherwise whole buckets from fromMs.
          const aligned = query.fromMs - (query.fromMs % width);
          const points = aggregateRollup(query.aggregation === "rate" ? rows : rows.filter((r) => r.bucket >= aligned), {
            ...query,
            fromMs: query.aggregation === "rate" ? query.fromMs : aligned,
          });
          out.push({ labels: s.labels, resolution, points });
        }
      }
      return out;
    });
  }

  /**
   * One statement for the whole selection, driven by the series index on metric (or entity):
   * per series one probe into the samples' primary key for its newest row, so the time grows
   * with the number of series, never with their history. (Ids in chunks of 500 in IN lists, a
   * query built and prepared per chunk, took 0.76 s at 20,000 series on either dialect.)
   */
  latest(selector: SeriesSelector): Promise<LatestValue[]> {
    return this.guard(async () => {
      const entity = selector.entity ? sql`AND s.entity_kind = ${selector.entity.kind} AND s.entity_name = ${selector.entity.name}` : sql``;
      // Both dialects seek max(ts) in the primary key and then that row (an index condition).
      const query = sql<{ labels: string; ts: number; value: number }>`SELECT s.labels, x.ts, x.value FROM series s
        JOIN samples x ON x.series_id = s.id AND x.ts = (SELECT max(y.ts) FROM samples y WHERE y.series_id = s.id)
        WHERE s.metric = ${selector.metric} ${entity} ORDER BY s.id`;
      const { rows } = await query.execute(this.db);
      const wanted = Object.entries(selector.labels ?? {});
      const out: LatestValue[] = [];
      for (const r of rows) {
        const labels = JSON.parse(r.labels) as Record<string, string>;
        if (wanted.every(([k, v]) => labels[k] === v)) out.push({ labels, ts: toNumber(r.ts), value: r.value });
      }
      return out;
    });
  }

  stateIntervals(entity: EntityRef, fromMs: number, toMs: number): Promise<StateInterval[]> {
    return this.guard(async () => {
      const rows = await this.db.selectFrom("state_intervals").selectAll()
        .where("entity_kind", "=", entity.kind).where("entity_name", "=", entity.name).where("start_ms", "<", toMs)
        .where((eb) => eb.or([eb("end_ms", "is", null), eb("end_ms", ">", fromMs)])).orderBy("start_ms").execute();
      return rows.map(toInterval);
    });
  }

  currentStates(kind?: EntityRef["kind"]): Promise<StateInterval[]> {
    return this.guard(async () => {
      let q = this.db.selectFrom("state_intervals").selectAll().where("end_ms", "is", null);
      if (kind) q = q.where("entity_kind", "=", kind);
      return (await q.orderBy("entity_kind").orderBy("entity_name").execute()).map(toInterval);
    });
  }

  events(query: EventQuery): Promise<CityEvent[]> {
    return this.guard(async () => {
      let q = this.db.selectFrom("events").selectAll();
      if (query.fromMs !== undefined) q = q.where("ts", ">=", query.fromMs);
      if (query.toMs !== undefined) q = q.where("ts", "<", query.toMs);
      if (query.kind) q = q.where("kind", "=", query.kind);
      if (query.security !== undefined) q = q.where("security", "=", query.security ? 1 : 0);
      if (query.entity) q = q.where("entity_kind", "=", query.entity.kind).where("entity_name", "=", query.entity.name);
      const rows = await q.orderBy("ts", "desc").orderBy("id").limit(query.limit).execute();
      return rows.map((r) => {
        const e: CityEvent = {
          id: r.id, ts: toNumber(r.ts), kind: r.kind as CityEvent["kind"], type: r.type, severity: r.severity as CityEvent["severity"],
          security: toNumber(r.security) === 1, agent: r.agent, message: r.message, attributes: JSON.parse(r.attributes) as CityEvent["attributes"],
        };
        if (r.source !== null) e.source = r.source;
        if (r.entity_kind !== null && r.entity_name !== null) e.entity = { kind: r.entity_kind as EntityRef["kind"], name: r.entity_name };
        return e;
      });
    });
  }

  async applyRetention(nowMs: number, retention: RetentionPolicy): Promise<{ deleted: number }> {
    let deleted = 0;
    // Raw samples are the source of the still-open rollup buckets: roll them up before deleting.
    await this.flushRollups(Math.max(this.newestTs - GRACE_MS, nowMs - retention.rawDays * DAY_MS));
    const ids = await this.guard(async () => (await this.db.selectFrom("series").select("id").orderBy("id").execute()).map((r) => toNumber(r.id)));
    const tables = [
      ["samples", "ts", nowMs - retention.rawDays * DAY_MS],
      ["rollup_5m", "bucket", nowMs - retention.fiveMinuteDays * DAY_MS],
      ["rollup_1h", "bucket", nowMs - retention.hourlyDays * DAY_MS],
    ] as const;
    for (const [table, column, cutoff] of tables) {
      // Per series through the primary key (no index on time alone, which would slow ingest),
      // a few series per transaction, yielding to ingest between them.
      for (let i = 0; i < ids.length; i += RETENTION_SERIES_PER_BATCH) {
        const chunk = ids.slice(i, i + RETENTION_SERIES_PER_BATCH);
        const res = await this.guard(() => this.lock.run(() => this.db.deleteFrom(table).where("series_id", "in", chunk).where(column, "<", cutoff).executeTakeFirst()));
        deleted += Number(res.numDeletedRows);
        await new Promise((r) => setImmediate(r));
      }
    }
    // Events live as long as the 5-minute rollups, state intervals as long as the hourly ones
    // (availability reports look back years).
    deleted += await this.deleteInBatches("events", "id", sql`ts < ${nowMs - retention.fiveMinuteDays * DAY_MS}`);
    deleted += await this.deleteInBatches("state_intervals", "id", sql`end_ms < ${nowMs - retention.hourlyDays * DAY_MS}`);
    return { deleted };
  }

  ping(): Promise<void> {
    return this.guard(async () => {
      await sql`SELECT 1`.execute(this.db);
    });
  }

  async close(): Promise<void> {
    await this.closing;
    await this.lock.run(() => undefined);
    await this.parts.close();
  }

  private async deleteInBatches(table: "events" | "state_intervals", key: "id", where: ReturnType<typeof sql>): Promise<number> {
    let total = 0;
    for (;;) {
      const res = await this.guard(() =>
        this.lock.run(() => sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(key)} IN (SELECT ${sql.ref(key)} FROM ${sql.table(table)} WHERE ${where} LIMIT ${RETENTION_ROWS_PER_BATCH})`.execute(this.db)),
      );
      const n = Number(res.numAffectedRows ?? 0n);
      total += n;
      if (n < RETENTION_ROWS_PER_BATCH) return total;
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Rollup rows of one series in [fromMs, toMs): closed buckets from the rollup tables, buckets
   * still open (after the watermarks, rollup-closer.ts) computed from the 5-minute rows and raw
   * samples — the three sources never overlap in time.
   */
  private async rollupRows(seriesId: number, resolution: "5m" | "1h", fromMs: number, toMs: number, wm: Watermarks | undefined): Promise<RollupRow[]> {
    const width = resolution === "5m" ? FIVE_MINUTES_MS : ONE_HOUR_MS;
    const from = fromMs - (fromMs % width);
    const fiveWm = wm?.fiveMinute ?? -Infinity;
    const hourWm = wm?.hourly ?? -Infinity;
    const fetch = async (table: "rollup_5m" | "rollup_1h", lo: number, hi: number): Promise<RollupRow[]> => {
      if (hi <= lo) return [];
      const rows = await this.db.selectFrom(table).select(["bucket", "min", "max", "sum", "count", "last", "last_ts"])
        .where("series_id", "=", seriesId).where("bucket", ">=", lo).where("bucket", "<", hi).orderBy("bucket").execute();
      if (this.parts.dialect === "sqlite") return rows; // SQLite hands back numbers already
      for (const r of rows) {
        r.bucket = toNumber(r.bucket);
        r.count = toNumber(r.count);
        r.last_ts = toNumber(r.last_ts);
      }
      return rows;
    };
    const closed = resolution === "5m" ? await fetch("rollup_5m", from, Math.min(toMs, fiveWm)) : [...(await fetch("rollup_1h", from, Math.min(toMs, hourWm))), ...(await fetch("rollup_5m", Math.max(from, hourWm), Math.min(toMs, fiveWm)))];
    const rawFrom = Math.max(from, fiveWm);
    const raw = rawFrom < toMs
      ? await this.db.selectFrom("samples").select(["ts", "value"]).where("series_id", "=", seriesId).where("ts", ">=", rawFrom).where("ts", "<", toMs).orderBy("ts").execute()
      : [];
    const open = rollupOfPoints(raw.map((r) => ({ ts: toNumber(r.ts), value: r.value })), FIVE_MINUTES_MS);
    // 5-minute rows are already in their buckets; only the hourly view needs merging.
    return resolution === "5m" ? closed.concat(open) : mergeRows(closed.concat(open), width);
  }

  private async findSeries(selector: SeriesSelector): Promise<{ id: number; labels: Record<string, string> }[]> {
    let q = this.db.selectFrom("series").select(["id", "labels"]).where("metric", "=", selector.metric);
    if (selector.entity) q = q.where("entity_kind", "=", selector.entity.kind).where("entity_name", "=", selector.entity.name);
    const rows = await q.orderBy("id").execute();
    const wanted = Object.entries(selector.labels ?? {});
    const out: { id: number; labels: Record<string, string> }[] = [];
    for (const r of rows) {
      const labels = JSON.parse(r.labels) as Record<string, string>;
      if (wanted.every(([k, v]) => labels[k] === v)) out.push({ id: toNumber(r.id), labels });
    }
    return out;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      return mapStoreError(err);
    }
  }
}

function toInterval(r: { entity_kind: string; entity_name: string; state: string; start_ms: number; end_ms: number | null; reason: string | null }): StateInterval {
  const i: StateInterval = { entity: { kind: r.entity_kind as EntityRef["kind"], name: r.entity_name }, state: r.state as EntityState, startMs: toNumber(r.start_ms) };
  if (r.end_ms !== null) i.endMs = toNumber(r.end_ms);
  if (r.reason !== null) i.reason = r.reason;
  return i;
}
