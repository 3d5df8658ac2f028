import { mkdtemp, readdir, readFile, rm, stat, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Lane } from "./record-queue.ts";
import { faultyFs, type Faults } from "./spool-fault-fs.ts";
import { Spool } from "./spool.ts";
import type { DamageKind } from "./spool-record.ts";

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "cityplane-spool-"));
  dirs.push(d);
  return d;
}

const payload = (n: number, size = 40): Uint8Array => new TextEncoder().encode(`record-${n}:`.padEnd(size, "x"));
const text = (p: Uint8Array): string => new TextDecoder().decode(p).replace(/x+$/, "");

interface Tally {
  drops: { lane: Lane; items: number; reason: string }[];
  damage: { lane: Lane; kind: DamageKind; bytes: number }[];
}

async function openSpool(dir: string, maxBytes = 1 << 20, fs?: ReturnType<typeof faultyFs>, segmentBytes?: number): Promise<{ spool: Spool; tally: Tally }> {
  const tally: Tally = { drops: [], damage: [] };
  const spool = await Spool.open({
    dir,
    maxBytes,
    segmentBytes,
    fs,
    onDrop: (lane, items, reason) => tally.drops.push({ lane, items, reason }),
    onDamage: (lane, kind, bytes) => tally.damage.push({ lane, kind, bytes }),
  });
  return { spool, tally };
}

/** Delivers (next + ack) everything, returning the payloads in delivery order. */
async function drain(spool: Spool): Promise<string[]> {
  const out: string[] = [];
  for (let r = await spool.next(); r; r = await spool.next()) {
    out.push(`${r.lane}/${text(r.payload)}`);
    await spool.ack(r);
  }
  return out;
}

async function segmentsOf(dir: string, lane: Lane): Promise<string[]> {
  return (await readdir(join(dir, lane))).filter((n) => n.endsWith(".seg")).sort();
}

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const lane of ["samples", "events", "priority"]) for (const n of await segmentsOf(dir, lane as Lane)) total += (await stat(join(dir, lane, n))).size;
  return total;
}

describe("Spool recovery from damage on disk", () => {
  // Five 40-byte records (52 bytes framed) in one segment; each case damages it, then reopens.
  const framed = 52;
  const cases: { name: string; damage: (file: string) => Promise<void>; kept: number; kind?: DamageKind }[] = [
    { name: "torn record (crash mid-payload)", damage: (f) => truncate(f, framed * 5 - 5), kept: 4, kind: "torn" },
    { name: "torn header", damage: (f) => truncate(f, framed * 4 + 6), kept: 4, kind: "torn" },
    { name: "bad CRC (bit flip in record 3's payload)", damage: (f) => flip(f, framed * 2 + 20), kept: 2, kind: "bad_crc" },
    { name: "bad length (record 3's length field huge)", damage: (f) => poke(f, framed * 2, 0xfffffff0), kept: 2, kind: "bad_length" },
    { name: "bad length that still fits the file (caught by the CRC)", damage: (f) => poke(f, framed * 2, 20), kept: 2, kind: "bad_crc" },
    { name: "truncated to nothing", damage: (f) => truncate(f, 0), kept: 0 },
    { name: "truncated at a record boundary", damage: (f) => truncate(f, framed * 3), kept: 3 },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const dir = await tempDir();
      const first = await openSpool(dir);
      for (let i = 1; i <= 5; i++) await first.spool.append("samples", 1, payload(i));
      await first.spool.close();
      const [seg] = await segmentsOf(dir, "samples");
      await c.damage(join(dir, "samples", seg!));

      const { spool, tally } = await openSpool(dir);
      expect(tally.damage.map((d) => d.kind)).toEqual(c.kind ? [c.kind] : []);
      expect(await drain(spool)).toEqual(Array.from({ length: c.kept }, (_, i) => `samples/record-${i + 1}:`));
      // The spool reopened writable: a new record lands and survives another restart.
      await spool.append("samples", 1, payload(99));
      await spool.close();
      const again = await openSpool(dir);
      expect(again.tally.damage).toEqual([]);
      expect(await drain(again.spool)).toEqual(["samples/record-99:"]);
      await again.spool.close();
    });
  }
});

describe("Spool under write faults", () => {
  const cases: { name: string; faults: Faults; error: RegExp; damageAfterRestart: DamageKind[] }[] = [
    { name: "ENOSPC on write", faults: { writeError: "ENOSPC" }, error: /ENOSPC/, damageAfterRestart: [] },
    { name: "short write (half the record), tail cut back", faults: { shortWrite: 0.5 }, error: /short write/, damageAfterRestart: [] },
    { name: "short write and the cut-back fails too", faults: { shortWrite: 0.5, truncateError: "EIO" }, error: /short write/, damageAfterRestart: ["torn"] },
    { name: "fsync fails (EIO)", faults: { syncError: "EIO" }, error: /EIO/, damageAfterRestart: [] },
  ];
  for (const c of cases) {
    it(`${c.name}: append rejects, earlier records kept, later ones land`, async () => {
      const dir = await tempDir();
      const faults: Faults = {};
      const { spool } = await openSpool(dir, 1 << 20, faultyFs(faults));
      await spool.append("samples", 1, payload(1));
      await spool.append("samples", 1, payload(2));
      Object.assign(faults, c.faults);
      // Never reports success for a record it could not persist.
      await expect(spool.append("samples", 1, payload(3))).rejects.toThrow(c.error);
      await spool.append("samples", 1, payload(4));
      expect(spool.bytes).toBe(await diskBytes(dir));
      await spool.close();

      const after = await openSpool(dir);
      expect(after.tally.damage.map((d) => d.kind)).toEqual(c.damageAfterRestart);
      expect(await drain(after.spool)).toEqual(["samples/record-1:", "samples/record-2:", "samples/record-4:"]);
      await after.spool.close();
    });
  }
});

describe("Spool cap and drop order", () => {
  it("drops the oldest samples first, never traps or security events while samples remain", async () => {
    const dir = await tempDir();
    // 4 KiB cap, 1 KiB segments: about 19 framed 200-byte records fit.
    const { spool, tally } = await openSpool(dir, 4096, undefined, 1024);
    for (let i = 1; i <= 15; i++) await spool.append("samples", 1, payload(i, 200));
    for (let i = 1; i <= 10; i++) await spool.append("priority", 1, payload(100 + i, 200));
    expect(await diskBytes(dir)).toBeLessThanOrEqual(4096);
    expect(tally.drops.every((d) => d.lane === "samples" && d.reason === "spool_full")).toBe(true);
    const dropped = tally.drops.reduce((n, d) => n + d.items, 0);
    const delivered = await drain(spool);
    const samples = delivered.filter((d) => d.startsWith("samples/"));
    // Every priority record is there; the samples left are the newest, in order; every missing one was counted.
    expect(delivered.filter((d) => d.startsWith("priority/"))).toEqual(Array.from({ length: 10 }, (_, i) => `priority/record-${101 + i}:`));
    expect(samples).toEqual(Array.from({ length: samples.length }, (_, i) => `samples/record-${15 - samples.length + 1 + i}:`));
    expect(dropped + samples.length).toBe(15);
    await spool.close();
  });

  it("refuses a sample (counted) rather than drop priority records, and refuses a record bigger than the cap", async () => {
    const dir = await tempDir();
    const { spool, tally } = await openSpool(dir, 4096, undefined, 1024);
    let accepted = 0;
    for (let i = 1; i <= 30; i++) await spool.append("priority", 1, payload(i, 200)).then(() => accepted++, () => undefined);
    // One byte more than the free space: it could only fit by dropping priority records.
    const tooBig = 4096 - spool.bytes - 12 + 1;
    await expect(spool.append("samples", 5, payload(0, tooBig))).rejects.toThrow(/spool full/);
    await expect(spool.append("priority", 1, payload(0, 5000))).rejects.toThrow(/exceeds the spool cap/);
    expect(tally.drops.filter((d) => d.lane === "samples")).toEqual([{ lane: "samples", items: 5, reason: "spool_full" }]);
    expect(tally.drops.some((d) => d.reason === "too_large")).toBe(true);
    // When only priority records remain, the oldest of them make room for new ones.
    expect(accepted).toBe(30);
    expect(await diskBytes(dir)).toBeLessThanOrEqual(4096);
    await spool.close();
  });

  it("keeps unacknowledged records across a restart and forgets acknowledged ones", async () => {
    const dir = await tempDir();
    const { spool } = await openSpool(dir);
    for (let i = 1; i <= 4; i++) await spool.append("samples", 1, payload(i));
    await spool.append("events", 1, payload(50));
    const r1 = await spool.next();
    expect(r1?.lane).toBe("events");
    await spool.ack(r1!);
    const r2 = await spool.next();
    await spool.ack(r2!);
    await spool.close();
    const again = await openSpool(dir);
    expect(await drain(again.spool)).toEqual(["samples/record-2:", "samples/record-3:", "samples/record-4:"]);
    await again.spool.close();
    // A fully delivered spool leaves no segment behind.
    expect(await diskBytes(dir)).toBe(0);
  });
});

describe("Spool after a crash between deleting a delivered segment and its ack file", () => {
  it("numbers new segments above the stale ack, so they are never taken for delivered", async () => {
    const dir = await tempDir();
    const first = await openSpool(dir);
    await first.spool.close();
    await writeFile(join(dir, "samples", "ack"), "5 52\n");
    const { spool } = await openSpool(dir);
    await spool.append("samples", 1, payload(1));
    await spool.append("samples", 1, payload(2));
    await spool.close();
    const again = await openSpool(dir);
    expect(await drain(again.spool)).toEqual(["samples/record-1:", "samples/record-2:"]);
    await again.spool.close();
  });
});

async function flip(file: string, at: number): Promise<void> {
  const buf = await readFile(file);
  buf[at] = (buf[at] as number) ^ 0x01;
  await writeFile(file, buf);
}

async function poke(file: string, at: number, u32: number): Promise<void> {
  const buf = await readFile(file);
  buf.writeUInt32LE(u32, at);
  await writeFile(file, buf);
}
