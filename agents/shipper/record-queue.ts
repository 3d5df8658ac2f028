/**
 * The queue between collectors and delivery. The disk spool (spool.ts) is the production one;
 * MemoryQueue keeps the same contract without persistence (tests, `spoolDir`-less tools).
 */

/**
 * Records are kept in lanes so a full queue can drop the cheapest data first
 * (RELIABILITY.md promise 3): samples, then ordinary events, then traps and security events.
 */
export const LANES = ["samples", "events", "priority"] as const;
export type Lane = (typeof LANES)[number];

/** Delivery order: small, important records first; samples last (their order is kept within the lane). */
export const DELIVERY_ORDER: readonly Lane[] = ["priority", "events", "samples"];

/** One unit of delivery: an encoded remote-write body or an events JSON body. */
export interface QueuedRecord {
  readonly lane: Lane;
  /** Increasing within a lane; identifies the record for `ack`. */
  readonly seq: number;
  /** Samples or events inside (for the shipped/dropped counters). */
  readonly count: number;
  readonly payload: Uint8Array;
}

/** Why records left the queue without delivery. */
export type DropReason = "spool_full" | "too_large" | "corrupt";

/** Called when the queue discards records it had accepted (counted by the shipper). */
export type DropListener = (lane: Lane, items: number, reason: DropReason) => void;

/**
 * The queue refused a record for good (bigger than the cap, or no room without dropping more
 * important data); it has already counted the drop, so the caller must not keep or retry it.
 */
export class QueueRefusedError extends Error {
  override name = "QueueRefusedError";
}

/** The queue contract the shipper relies on. */
export interface RecordQueue {
  /** Resolves only once the record is durable (for a disk queue: written and fsync'd); rejects otherwise. */
  append(lane: Lane, count: number, payload: Uint8Array): Promise<void>;
  /** The oldest unacknowledged record in delivery order, or undefined when empty. */
  next(): Promise<QueuedRecord | undefined>;
  /** The record was delivered (or rejected for good): forget it. Acking a record already dropped is a no-op. */
  ack(record: QueuedRecord): Promise<void>;
  /** Bytes currently held (on disk for the spool). */
  readonly bytes: number;
  close(): Promise<void>;
}

/** An in-memory RecordQueue with the same cap and drop order as the spool. */
export class MemoryQueue implements RecordQueue {
  private readonly lanes = new Map<Lane, QueuedRecord[]>(LANES.map((l) => [l, []]));
  private seq = 0;
  bytes = 0;

  constructor(
    private readonly maxBytes: number,
    private readonly onDrop: DropListener = () => {},
  ) {}

  async append(lane: Lane, count: number, payload: Uint8Array): Promise<void> {
    if (payload.length > this.maxBytes) {
      this.onDrop(lane, count, "too_large");
      throw new QueueRefusedError(`record of ${payload.length} bytes exceeds the queue cap of ${this.maxBytes} bytes`);
    }
    // Make room from the cheapest lane up to (and including) this record's own lane.
    for (const victim of LANES) {
      const q = this.lanes.get(victim) as QueuedRecord[];
      while (this.bytes + payload.length > this.maxBytes && q.length > 0) {
        const dropped = q.shift() as QueuedRecord;
        this.bytes -= dropped.payload.length;
        this.onDrop(victim, dropped.count, "spool_full");
      }
      if (victim === lane) break;
    }
    if (this.bytes + payload.length > this.maxBytes) {
      this.onDrop(lane, count, "spool_full");
      throw new QueueRefusedError(`queue full: no room for a ${lane} record without dropping more important data`);
    }
    (this.lanes.get(lane) as QueuedRecord[]).push({ lane, seq: ++this.seq, count, payload });
    this.bytes += payload.length;
  }

  async next(): Promise<QueuedRecord | undefined> {
    for (const lane of DELIVERY_ORDER) {
      const head = this.lanes.get(lane)?.[0];
      if (head) return head;
    }
    return undefined;
  }

  async ack(record: QueuedRecord): Promise<void> {
    const q = this.lanes.get(record.lane) as QueuedRecord[];
    const i = q.findIndex((r) => r.seq === record.seq);
    if (i < 0) return;
    this.bytes -= record.payload.length;
    q.splice(i, 1);
  }

  async close(): Promise<void> {}
}
