import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { CRASH_BASE_MS, CRASH_SERIES } from "./crash-writer.main.ts";
import { openStore } from "./open-store.ts";
import { SQLITE_FILE } from "./sqlite-dialect.ts";

// RELIABILITY.md promise 1 and 2: kill -9 during ingest loses no acknowledged sample, and the
// resend of committed-but-unacknowledged batches neither duplicates samples nor counts them
// twice in the rollups.
const root = fileURLToPath(new URL("../../", import.meta.url));
const KILLS = 5;
const dir = mkdtempSync(join(tmpdir(), "cityplane-crash-"));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the writer from `first`, SIGKILLs it after `killAfter` acknowledgements, returns the acked batch numbers. */
function runUntilKilled(first: number, killAfter: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["bin/run-ts.js", "services/store/crash-writer.main.ts", dir, String(first)], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
    const acked: number[] = [];
    let buffer = "";
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.stdout.on("data", (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split("\n");
      buffer = lines.pop() ?? "";
      for (const line of lines) acked.push(Number(line));
      if (acked.length >= killAfter) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("exit", (code, signal) => (signal === "SIGKILL" ? resolve(acked) : reject(new Error(`writer exited with ${code}: ${stderr}`))));
  });
}

describe("SQLite store under kill -9", () => {
  it(`keeps every acknowledged batch exactly once across ${KILLS} kills`, async () => {
    const acked: number[] = [];
    let next = 0;
    for (let i = 0; i < KILLS; i++) {
      // The agent resends from the first unacknowledged batch, as its spool would.
      const got = await runUntilKilled(next, 5 + Math.floor(Math.random() * 60));
      acked.push(...got);
      next = (got[got.length - 1] ?? next - 1) + 1;
    }
    expect(acked.length).toBeGreaterThanOrEqual(KILLS * 5);

    // Reopen as the server would after the crash and roll up every closed bucket.
    const store = await openStore({ dataDir: dir });
    await store.flushRollups(CRASH_BASE_MS + 86_400_000);
    await store.close();
    const db = new Database(join(dir, SQLITE_FILE));
    try {
      expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
      const present = new Set(db.prepare("SELECT (ts - ?) / 1000 AS n FROM samples JOIN series ON series.id = series_id WHERE metric = 'crash_probe' GROUP BY ts HAVING count(*) = ?").pluck().all(CRASH_BASE_MS, CRASH_SERIES) as number[]);
      expect(acked.filter((n) => !present.has(n))).toEqual([]);
      // Rollups count each stored sample once, even for batches written twice.
      const counts = db.prepare(`SELECT
          (SELECT count(*) FROM samples) AS raw,
          (SELECT sum(count) FROM rollup_5m) AS fine,
          (SELECT sum(count) FROM rollup_1h) AS coarse,
          (SELECT count(*) FROM (SELECT series_id, ts FROM samples GROUP BY 1, 2 HAVING count(*) > 1)) AS dup`).get() as Record<string, number>;
      expect(counts).toEqual({ raw: counts.raw, fine: counts.raw, coarse: counts.raw, dup: 0 });
      expect(counts.raw).toBeGreaterThanOrEqual(acked.length * CRASH_SERIES);
    } finally {
      db.close();
    }
  });
});
