import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { Spool } from "./spool.ts";

/**
 * RELIABILITY.md promise 1 for the spool: a record whose append resolved survives a `kill -9`
 * of the writer at any point; the damaged tail is cut off and nothing before it is lost.
 * (kill -9 leaves the page cache intact; fsync against power loss is checked with strace,
 * see docs/adr/0005-agent-spool.md.)
 */
const WRITER = join(dirname(fileURLToPath(import.meta.url)), "spool-crash-writer.ts");

/** Runs the writer until it has acknowledged `atLeast` records, kills it with SIGKILL, returns the last acknowledged number. */
function writeThenKill(dir: string, first: number, atLeast: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WRITER, dir, String(first)], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let killed = false;
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const acked = out.split("\n").filter(Boolean).length;
      if (!killed && acked >= atLeast) {
        killed = true;
        child.kill("SIGKILL");
      }
    });
    child.stderr.on("data", (d: Buffer) => void (err += d.toString()));
    child.once("exit", (_code, signal) => {
      if (signal !== "SIGKILL") return reject(new Error(`writer exited on its own: ${err}`));
      const lines = out.split("\n").filter(Boolean);
      resolve(Number(lines[lines.length - 1] ?? first - 1));
    });
  });
}

describe("Spool survives kill -9 of its writer", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("every acknowledged record is there after each of 4 kills, in order", async () => {
    dir = await mkdtemp(join(tmpdir(), "cityplane-spool-kill-"));
    let next = 1;
    let damaged = 0;
    for (const atLeast of [37, 180, 5, 420]) {
      const lastAcked = await writeThenKill(dir, next, atLeast);
      const spool = await Spool.open({ dir, maxBytes: 64 << 20, segmentBytes: 64 << 10, onDamage: () => void damaged++ });
      const seen: number[] = [];
      for (let r = await spool.next(); r; r = await spool.next()) {
        seen.push(Number(new TextDecoder().decode(r.payload).split(":")[0]));
        await spool.ack(r);
      }
      await spool.close();
      const expected = Array.from({ length: lastAcked - next + 1 }, (_, i) => next + i);
      // Every acknowledged record is there, and at most one more (written, not yet acknowledged).
      const sorted = [...seen].sort((a, b) => a - b);
      expect([expected, [...expected, lastAcked + 1]]).toContainEqual(sorted);
      // Each lane delivers in the order it was written.
      for (const lane of [seen.filter((n) => n % 5 !== 0), seen.filter((n) => n % 5 === 0)]) expect(lane).toEqual([...lane].sort((a, b) => a - b));
      next = Math.max(lastAcked, ...seen) + 1;
    }
    // A kill mid-write may leave a torn tail; each is cut off and counted, never more than one per kill.
    expect(damaged).toBeLessThanOrEqual(4);
  });
});
