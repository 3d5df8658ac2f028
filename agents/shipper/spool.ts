/**
 * The agent's disk spool (docs/adr/0005-agent-spool.md): one directory per lane, each an ordered
 * list of segment files of CRC-framed records. `append` resolves only after the record is
 * written and fsync'd; a full spool drops whole oldest segments, samples first, then ordinary
 * events, then traps and security events (RELIABILITY.md promises 1 and 3).
 */
import { join } from "node:path";
import { LANES, DELIVERY_ORDER, QueueRefusedError, type DropListener, type Lane, type QueuedRecord, type RecordQueue } from "./record-queue.ts";
import { nodeSpoolFs, type SpoolFile, type SpoolFs } from "./spool-fs.ts";
import { encodeRecord, RECORD_HEADER_BYTES, recordIntact, scanSegment, type DamageKind } from "./spool-record.ts";

/** Spool options. */
export interface SpoolOptions {
  dir: string;
  /** Cap on the bytes of all segment files together. */
  maxBytes: number;
  /** Segment size before rolling (default maxBytes/8, between 4 KiB and 8 MiB). */
  segmentBytes?: number;
  fs?: SpoolFs;
  onDrop?: DropListener;
  /** Called once per damaged segment found at open (the rest of that segment is discarded). */
  onDamage?: (lane: Lane, kind: DamageKind, discardedBytes: number) => void;
}

/** A record the spool holds, not yet acknowledged. */
interface Entry {
  seq: number;
  offset: number;
  size: number;
  count: number;
}

interface Segment {
  id: number;
  path: string;
  /** Physical bytes on disk (acknowledged records included, until the segment is deleted). */
  size: number;
  entries: Entry[];
  file?: SpoolFile;
}

const SEGMENT_RE = /^(\d{16})\.seg$/;

/** Thrown when a record cannot be made durable; the caller must keep it elsewhere. */
export class SpoolWriteError extends Error {
  override name = "SpoolWriteError";
}

/** See the module comment. */
export class Spool implements RecordQueue {
  private readonly lanes = new Map<Lane, Segment[]>(LANES.map((l) => [l, []]));
  private readonly active = new Map<Lane, Segment>();
  private readonly fs: SpoolFs;
  private readonly segmentBytes: number;
  private nextSeq = 1;
  private nextSegmentId = 1;
  private chain: Promise<unknown> = Promise.resolve();
  private closed = false;
  /** Bytes of all segment files. */
  bytes = 0;

  private constructor(private readonly opts: SpoolOptions) {
    this.fs = opts.fs ?? nodeSpoolFs;
    this.segmentBytes = opts.segmentBytes ?? Math.min(8 << 20, Math.max(4096, Math.floor(opts.maxBytes / 8)));
  }

  /** Opens (creating if needed) and recovers a spool: damaged tails are truncated and reported. */
  static async open(opts: SpoolOptions): Promise<Spool> {
    if (!(opts.maxBytes >= 4096)) throw new Error(`spool: maxBytes must be at least 4096 (got ${opts.maxBytes})`);
    const spool = new Spool(opts);
    await spool.recover();
    return spool;
  }

  append(lane: Lane, count: number, payload: Uint8Array): Promise<void> {
    return this.serial(() => this.appendNow(lane, count, payload));
  }

  next(): Promise<QueuedRecord | undefined> {
    return this.serial(() => this.nextNow());
  }

  ack(record: QueuedRecord): Promise<void> {
    return this.serial(() => this.ackNow(record));
  }

  async close(): Promise<void> {
    await this.serial(async () => {
      this.closed = true;
      for (const lane of LANES) await this.closeActive(lane);
    });
  }

  /** Runs one operation at a time: appends, reads and acks never interleave. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(() => {
      if (this.closed) throw new Error("spool is closed");
      return fn();
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private laneDir(lane: Lane): string {
    return join(this.opts.dir, lane);
  }

  private async recover(): Promise<void> {
    const maxRecord = this.opts.maxBytes;
    for (const lane of LANES) {
      const dir = this.laneDir(lane);
      await this.fs.mkdir(dir);
      const names = await this.fs.list(dir);
      const ack = parseAck(await this.fs.readFile(join(dir, "ack")).catch(() => undefined));
      const ids = names.flatMap((n) => (SEGMENT_RE.exec(n) ? [Number(n.slice(0, 16))] : [])).sort((a, b) => a - b);
      // A crash between deleting a delivered segment and removing the ack file leaves an ack
      // naming a segment that is gone: new segments must number above it, or the next
      // recovery would take them for delivered ones.
      if (ack) this.nextSegmentId = Math.max(this.nextSegmentId, ack.segment + 1);
      for (const n of names) if (n.endsWith(".tmp")) await this.fs.unlink(join(dir, n));
      for (const id of ids) {
        this.nextSegmentId = Math.max(this.nextSegmentId, id + 1);
        const path = join(dir, segmentName(id));
        if (ack && id < ack.segment) {
          await this.fs.unlink(path);
          continue;
        }
        const buf = await this.fs.readFile(path);
        const scan = scanSegment(buf, maxRecord);
        if (scan.damage) {
          await this.fs.truncate(path, scan.goodBytes);
          this.opts.onDamage?.(lane, scan.damage, buf.length - scan.goodBytes);
        }
        const acked = ack && id === ack.segment ? ack.offset : 0;
        const entries = scan.records.filter((r) => r.offset >= acked).map((r) => ({ seq: this.nextSeq++, offset: r.offset, size: r.size, count: r.count }));
        if (entries.length === 0) {
          await this.fs.unlink(path);
          continue;
        }
        (this.lanes.get(lane) as Segment[]).push({ id, path, size: scan.goodBytes, entries });
        this.bytes += scan.goodBytes;
      }
    }
  }

  private async appendNow(lane: Lane, count: number, payload: Uint8Array): Promise<void> {
    const framed = encodeRecord(count, payload);
    if (framed.length > this.opts.maxBytes) {
      this.opts.onDrop?.(lane, count, "too_large");
      throw new QueueRefusedError(`record of ${framed.length} bytes exceeds the spool cap of ${this.opts.maxBytes} bytes`);
    }
    // Make room from the cheapest lane up to this record's own lane, oldest segment first.
    for (const victim of LANES) {
      const segments = this.lanes.get(victim) as Segment[];
      while (this.bytes + framed.length > this.opts.maxBytes && segments.length > 0) await this.dropOldest(victim);
      if (victim === lane) break;
    }
    if (this.bytes + framed.length > this.opts.maxBytes) {
      this.opts.onDrop?.(lane, count, "spool_full");
      throw new QueueRefusedError(`spool full: no room for a ${lane} record without dropping more important data`);
    }
    const seg = await this.writableSegment(lane, framed.length);
    const file = seg.file as SpoolFile;
    const before = seg.size;
    let failure: string | undefined;
    try {
      const written = await file.write(framed);
      if (written !== framed.length) failure = `short write (${written} of ${framed.length} bytes)`;
      else await file.sync();
    } catch (err) {
      failure = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    }
    if (failure !== undefined) {
      await this.abandonTail(lane, seg, before);
      throw new SpoolWriteError(`spool write failed: ${failure}`);
    }
    seg.entries.push({ seq: this.nextSeq++, offset: before, size: framed.length, count });
    seg.size += framed.length;
    this.bytes += framed.length;
  }

  /**
   * After a failed write or fsync the tail of the segment is unknown: cut it back to the last
   * good record and never append to that file again (a fresh segment is started next time).
   */
  private async abandonTail(lane: Lane, seg: Segment, goodBytes: number): Promise<void> {
    let size = goodBytes;
    try {
      await seg.file?.truncate(goodBytes);
    } catch {
      size = await this.fs.size(seg.path).catch(() => goodBytes + this.segmentBytes);
    }
    await this.closeActive(lane);
    this.bytes += size - seg.size;
    seg.size = size;
    if (seg.entries.length === 0) await this.removeSegment(lane, seg);
  }

  private async writableSegment(lane: Lane, need: number): Promise<Segment> {
    const current = this.active.get(lane);
    if (current && (current.size === 0 || current.size + need <= this.segmentBytes)) return current;
    await this.closeActive(lane);
    const id = this.nextSegmentId++;
    const path = join(this.laneDir(lane), segmentName(id));
    const seg: Segment = { id, path, size: 0, entries: [], file: await this.fs.create(path) };
    // The new file's directory entry must be durable too, or fsync'd records vanish with it.
    await this.fs.syncDir(this.laneDir(lane));
    (this.lanes.get(lane) as Segment[]).push(seg);
    this.active.set(lane, seg);
    return seg;
  }

  private async closeActive(lane: Lane): Promise<void> {
    const seg = this.active.get(lane);
    if (!seg) return;
    this.active.delete(lane);
    const file = seg.file;
    seg.file = undefined;
    await file?.close().catch(() => undefined);
  }

  private async dropOldest(lane: Lane): Promise<void> {
    const seg = (this.lanes.get(lane) as Segment[])[0] as Segment;
    const items = seg.entries.reduce((n, e) => n + e.count, 0);
    await this.removeSegment(lane, seg);
    if (items > 0) this.opts.onDrop?.(lane, items, "spool_full");
  }

  private async removeSegment(lane: Lane, seg: Segment): Promise<void> {
    if (this.active.get(lane) === seg) await this.closeActive(lane);
    const segments = this.lanes.get(lane) as Segment[];
    const i = segments.indexOf(seg);
    if (i >= 0) segments.splice(i, 1);
    this.bytes -= seg.size;
    await this.fs.unlink(seg.path);
  }

  private async nextNow(): Promise<QueuedRecord | undefined> {
    for (const lane of DELIVERY_ORDER) {
      for (;;) {
        const seg = (this.lanes.get(lane) as Segment[])[0];
        const entry = seg?.entries[0];
        if (!seg || !entry) break;
        const framed = await this.fs.read(seg.path, entry.offset, entry.size);
        if (recordIntact(framed)) return { lane, seq: entry.seq, count: entry.count, payload: framed.subarray(RECORD_HEADER_BYTES) };
        // Damaged on disk after it was written: it can never be delivered.
        this.opts.onDrop?.(lane, entry.count, "corrupt");
        await this.ackNow({ lane, seq: entry.seq, count: entry.count, payload: new Uint8Array() });
      }
    }
    return undefined;
  }

  private async ackNow(record: QueuedRecord): Promise<void> {
    const segments = this.lanes.get(record.lane) as Segment[];
    for (const seg of segments) {
      const i = seg.entries.findIndex((e) => e.seq === record.seq);
      if (i < 0) continue;
      const [entry] = seg.entries.splice(i, 1) as [Entry];
      if (seg.entries.length === 0) {
        await this.removeSegment(record.lane, seg);
        await this.fs.unlink(join(this.laneDir(record.lane), "ack"));
      } else {
        // Not fsync'd: losing it only means resending records the control plane ignores (ingest is idempotent).
        await this.fs.replace(join(this.laneDir(record.lane), "ack"), new TextEncoder().encode(`${seg.id} ${entry.offset + entry.size}\n`));
      }
      return;
    }
  }
}

function segmentName(id: number): string {
  return `${String(id).padStart(16, "0")}.seg`;
}

function parseAck(buf: Uint8Array | undefined): { segment: number; offset: number } | undefined {
  if (!buf) return undefined;
  const m = /^(\d+) (\d+)\n$/.exec(new TextDecoder().decode(buf));
  return m ? { segment: Number(m[1]), offset: Number(m[2]) } : undefined;
}
