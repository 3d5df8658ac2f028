import { FIVE_MINUTES_MS, ONE_HOUR_MS } from "./store.schema.ts";
import type { RollupRow } from "./series-aggregate.ts";

/**
 * Rollups without per-sample upserts (docs/adr/0002-storage.md). Each rollup table has a
 * watermark: every bucket before it is complete in the table. A sample at or after the
 * 5-minute watermark is only inserted raw; when its bucket has closed (the newest sample seen
 * is GRACE_MS past its end) one set-based statement rolls the whole city's bucket up from the
 * raw samples and moves the watermark, in one transaction. A sample that arrives for a bucket
 * already rolled up (an agent's spool after a partition) is upserted into the rollups in the
 * transaction that inserts it, and only if it was really new — so every sample is counted
 * exactly once, replays included. Hourly rollups close the same way from the 5-minute rows.
 */

/** How long after a bucket's end late samples are still expected from healthy agents. */
export const GRACE_MS = 2 * 60_000;
/** The most one closing step covers, to keep each write-lock hold short. */
export const MAX_CLOSE_SPAN_MS = 6 * ONE_HOUR_MS;

export interface Watermarks {
  fiveMinute: number;
  hourly: number;
}

/** The next step: 5-minute buckets [from, to) and hourly buckets [hourFrom, hourTo), or undefined when nothing is due. */
export function nextCloseStep(wm: Watermarks, untilMs: number): { from: number; to: number; hourFrom: number; hourTo: number } | undefined {
  const limit = untilMs - (untilMs % FIVE_MINUTES_MS);
  const to = Math.min(limit, wm.fiveMinute + MAX_CLOSE_SPAN_MS);
  const hourTo = Math.max(wm.hourly, to - (to % ONE_HOUR_MS));
  if (to <= wm.fiveMinute && hourTo <= wm.hourly) return undefined;
  return { from: wm.fiveMinute, to: Math.max(to, wm.fiveMinute), hourFrom: wm.hourly, hourTo };
}

/** The watermarks a first batch starts at: the buckets of its oldest sample. */
export function initialWatermarks(oldestTs: number): Watermarks {
  return { fiveMinute: oldestTs - (oldestTs % FIVE_MINUTES_MS), hourly: oldestTs - (oldestTs % ONE_HOUR_MS) };
}

const MERGE = `ON CONFLICT (series_id, bucket) DO UPDATE SET
    min = CASE WHEN excluded.min < {t}.min THEN excluded.min ELSE {t}.min END,
    max = CASE WHEN excluded.max > {t}.max THEN excluded.max ELSE {t}.max END,
    sum = {t}.sum + excluded.sum, count = {t}.count + excluded.count,
    last = CASE WHEN excluded.last_ts >= {t}.last_ts THEN excluded.last ELSE {t}.last END,
    last_ts = CASE WHEN excluded.last_ts > {t}.last_ts THEN excluded.last_ts ELSE {t}.last_ts END`;

/** Upsert merge clause for `table`, the same text in both dialects. */
export function mergeClause(table: string): string {
  return MERGE.replaceAll("{t}", table);
}

/**
 * The two closing statements, `p(n)` spelling the n-th placeholder of the dialect. No row
 * exists at or after a table's watermark (late samples only upsert buckets before it), so a
 * closing step can be a plain INSERT (`merge` false): PostgreSQL's speculative insertion of
 * ON CONFLICT costs a third of the step. The merging form is the fallback should a row be
 * there after all. On SQLite,
 * CROSS JOIN fixes `series` as the outer loop, so each series' range is a seek in the primary
 * key (there is deliberately no B-tree index on time alone: it would slow every insert); on
 * PostgreSQL a BRIN index on time (migration 0004, nearly free to maintain) finds the range.
 */
export function closeStatements(p: (n: number) => string, dialect: "sqlite" | "postgres" = "sqlite", merge = true): { fiveMinute: string; hourly: string } {
  // The newest value of a group: PostgreSQL takes it in the aggregate pass; SQLite (no ordered
  // aggregates) looks it up by primary key afterwards. PostgreSQL reads the time range through
  // BRIN and needs no join to drive it.
  const pgLast = dialect === "postgres";
  return {
    fiveMinute: `INSERT INTO rollup_5m (series_id, bucket, min, max, sum, count, last, last_ts)
      SELECT g.series_id, g.bucket, g.mn, g.mx, g.sm, g.n,
             ${pgLast ? "g.lv" : "(SELECT v.value FROM samples v WHERE v.series_id = g.series_id AND v.ts = g.lt)"}, g.lt
      FROM (SELECT x.series_id AS series_id, x.ts - x.ts % ${FIVE_MINUTES_MS} AS bucket, min(x.value) AS mn, max(x.value) AS mx,
                   sum(x.value) AS sm, count(*) AS n, max(x.ts) AS lt${pgLast ? ", (array_agg(x.value ORDER BY x.ts DESC))[1] AS lv" : ""}
            FROM ${pgLast ? "samples x WHERE" : "series s CROSS JOIN samples x WHERE x.series_id = s.id AND"} x.ts >= ${p(1)} AND x.ts < ${p(2)}
            GROUP BY x.series_id, x.ts - x.ts % ${FIVE_MINUTES_MS}) g
      ${merge ? `WHERE true ${mergeClause("rollup_5m")}` : ""}`,
    hourly: `INSERT INTO rollup_1h (series_id, bucket, min, max, sum, count, last, last_ts)
      SELECT g.series_id, g.bucket, g.mn, g.mx, g.sm, g.n,
             ${pgLast ? "g.lv" : `(SELECT v.last FROM rollup_5m v WHERE v.series_id = g.series_id AND v.bucket = g.lt - g.lt % ${FIVE_MINUTES_MS})`}, g.lt
      FROM (SELECT r.series_id AS series_id, r.bucket - r.bucket % ${ONE_HOUR_MS} AS bucket, min(r.min) AS mn, max(r.max) AS mx,
                   sum(r.sum) AS sm, sum(r.count) AS n, max(r.last_ts) AS lt${pgLast ? ", (array_agg(r.last ORDER BY r.last_ts DESC))[1] AS lv" : ""}
            FROM ${pgLast ? "rollup_5m r WHERE" : "series s CROSS JOIN rollup_5m r WHERE r.series_id = s.id AND"} r.bucket >= ${p(1)} AND r.bucket < ${p(2)}
            GROUP BY r.series_id, r.bucket - r.bucket % ${ONE_HOUR_MS}) g
      ${merge ? `WHERE true ${mergeClause("rollup_1h")}` : ""}`,
  };
}

/** Raw points as rollup rows of `widthMs` (for the still-open buckets at query time). */
export function rollupOfPoints(points: readonly { ts: number; value: number }[], widthMs: number): RollupRow[] {
  return mergeRows(points.map((p) => ({ bucket: p.ts, min: p.value, max: p.value, sum: p.value, count: 1, last: p.value, last_ts: p.ts })), widthMs);
}

/** Merges rows into buckets of `widthMs` (rows sorted by bucket in, sorted out). */
export function mergeRows(rows: readonly RollupRow[], widthMs: number): RollupRow[] {
  const out: RollupRow[] = [];
  for (const r of rows) {
    const bucket = r.bucket - (r.bucket % widthMs);
    const last = out[out.length - 1];
    if (last && last.bucket === bucket) {
      last.min = Math.min(last.min, r.min);
      last.max = Math.max(last.max, r.max);
      last.sum += r.sum;
      last.count += r.count;
      if (r.last_ts >= last.last_ts) {
        last.last = r.last;
        last.last_ts = r.last_ts;
      }
    } else out.push({ ...r, bucket });
  }
  return out;
}
