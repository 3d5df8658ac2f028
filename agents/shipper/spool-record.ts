/**
 * Spool record framing (pure): a 12-byte header then the payload.
 *   u32 LE payload length | u32 LE item count | u32 LE CRC-32 of (length, count, payload)
 * The CRC covers the length field too, so a flipped length that still fits the file is caught.
 * CRC-32 comes from node:zlib (`zlib.crc32`, in Node ≥ 20.15 and ≥ 22.2), not a hand-written table.
 */
import { crc32 } from "node:zlib";

export const RECORD_HEADER_BYTES = 12;

/** What damage a scan met (RELIABILITY.md spool table). */
export type DamageKind = "torn" | "bad_length" | "bad_crc";

/** One intact record found in a segment. */
export interface ScannedRecord {
  /** Offset of the header within the segment. */
  offset: number;
  /** Header + payload bytes. */
  size: number;
  count: number;
}

/** The intact prefix of a segment, and the damage that ended it (if any). */
export interface SegmentScan {
  records: ScannedRecord[];
  /** Bytes from the start that hold only intact records (truncate the file here). */
  goodBytes: number;
  damage?: DamageKind;
}

/** Frames one record. */
export function encodeRecord(count: number, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + payload.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, payload.length, true);
  view.setUint32(4, count, true);
  out.set(payload, RECORD_HEADER_BYTES);
  view.setUint32(8, checksum(out), true);
  return out;
}

/** The CRC over a framed record's length, count and payload (the CRC field itself excluded). */
function checksum(framed: Uint8Array): number {
  return crc32(framed.subarray(RECORD_HEADER_BYTES), crc32(framed.subarray(0, 8)));
}

/** True when a framed record read back from disk is intact. */
export function recordIntact(framed: Uint8Array): boolean {
  if (framed.length < RECORD_HEADER_BYTES) return false;
  const view = new DataView(framed.buffer, framed.byteOffset, framed.byteLength);
  return view.getUint32(0, true) === framed.length - RECORD_HEADER_BYTES && view.getUint32(8, true) === checksum(framed);
}

/**
 * Walks a segment and stops at the first damaged record: everything before it is kept, nothing
 * after it is trusted (without a resync marker, a bad length makes the rest unparseable).
 */
export function scanSegment(buf: Uint8Array, maxRecordBytes: number): SegmentScan {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const records: ScannedRecord[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < RECORD_HEADER_BYTES) return { records, goodBytes: pos, damage: "torn" };
    const length = view.getUint32(pos, true);
    if (length + RECORD_HEADER_BYTES > maxRecordBytes) return { records, goodBytes: pos, damage: "bad_length" };
    const size = RECORD_HEADER_BYTES + length;
    if (pos + size > buf.length) return { records, goodBytes: pos, damage: "torn" };
    if (!recordIntact(buf.subarray(pos, pos + size))) return { records, goodBytes: pos, damage: "bad_crc" };
    records.push({ offset: pos, size, count: view.getUint32(pos + 4, true) });
    pos += size;
  }
  return { records, goodBytes: pos };
}
