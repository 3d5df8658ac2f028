/**
 * Synthetic SNMPv2c devices for the poller's scale benchmark: a small agent that answers GET,
 * GETNEXT and GETBULK (RFC 3416) over UDP for a fixed MIB view — the system group and
 * `rows` interfaces of the IF-MIB columns the benchmark walks — with counters that move with
 * time. The OIDs of every interface are encoded once (shared by all devices of a process), so
 * answering costs a binary search and a few byte copies per varbind: thousands of interfaces
 * per device and a hundred devices fit in one process without the devices, rather than the
 * poller, setting the pace.
 *
 * Not a general agent: v2c only, read-only, no traps; requests it cannot parse are dropped,
 * as an agent drops them (and counts snmpInASNParseErrs).
 */
import { createSocket, type Socket } from "node:dgram";

const IF = [1, 3, 6, 1, 2, 1, 2, 2, 1];
const IFX = [1, 3, 6, 1, 2, 1, 31, 1, 1, 1];
const SYS = [1, 3, 6, 1, 2, 1, 1];

/** BER tags (X.690; SMI application tags of RFC 2578 §7.1; exceptions of RFC 3416 §3). */
const TAG = { Integer: 0x02, OctetString: 0x04, OID: 0x06, Sequence: 0x30, Counter32: 0x41, TimeTicks: 0x43, Counter64: 0x46, NoSuchObject: 0x80, EndOfMibView: 0x82 } as const;
const PDU = { Get: 0xa0, GetNext: 0xa1, Response: 0xa2, GetBulk: 0xa5 } as const;

/** What a device knows at the time of a request. */
interface DeviceState {
  name: string;
  rows: number;
  startedMs: number;
}

/** One object instance of the view: its OID (for ordering), encoded name, and value encoder. */
interface Entry {
  oid: number[];
  name: Buffer;
  /** Interface number (1-based) for table cells, 0 for scalars. */
  row: number;
  value: (dev: DeviceState, row: number, secs: number) => Buffer;
}

function encodeLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), encodeLength(content.length), content]);
}

/** Non-negative integer (INTEGER, Counter32, TimeTicks, Counter64): minimal two's complement. */
function unsigned(tag: number, value: number): Buffer {
  const bytes: number[] = [];
  for (let v = Math.floor(value); v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  if (bytes.length === 0 || (bytes[0] as number) >= 0x80) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

function encodeOid(oid: readonly number[]): Buffer {
  const out: number[] = [40 * (oid[0] as number) + (oid[1] as number)];
  for (const id of oid.slice(2)) {
    const groups: number[] = [];
    for (let v = id; ; v = Math.floor(v / 128)) {
      groups.unshift((v % 128) | (groups.length > 0 ? 0x80 : 0));
      if (v < 128) break;
    }
    out.push(...groups);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

function compareOid(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return a.length - b.length;
}

const octets = (s: string) => tlv(TAG.OctetString, Buffer.from(s, "utf8"));
const NO_SUCH_OBJECT = tlv(TAG.NoSuchObject, Buffer.alloc(0));
const END_OF_MIB_VIEW = tlv(TAG.EndOfMibView, Buffer.alloc(0));
const ONE = unsigned(TAG.Integer, 1);
const ZERO_C32 = unsigned(TAG.Counter32, 0);

/** The view of a device with up to `maxRows` interfaces, in OID order. */
function buildView(maxRows: number): Entry[] {
  const entries: Entry[] = [];
  const scalar = (n: number, value: Entry["value"]) => entries.push({ oid: [...SYS, n, 0], name: encodeOid([...SYS, n, 0]), row: 0, value });
  scalar(1, () => octets("cityplane synthetic access switch"));
  scalar(2, () => encodeOid([1, 3, 6, 1, 4, 1, 8072, 3, 2, 10]));
  scalar(3, (d) => unsigned(TAG.TimeTicks, (Date.now() - d.startedMs) / 10));
  scalar(4, () => octets("noc@danang.gov.vn"));
  scalar(5, (d) => octets(d.name));
  scalar(6, () => octets("Da Nang data centre"));
  const column = (entry: number[], col: number, value: Entry["value"]) => {
    for (let r = 1; r <= maxRows; r++) {
      const oid = [...entry, col, r];
      entries.push({ oid, name: encodeOid(oid), row: r, value });
    }
  };
  column(IF, 8, () => ONE);
  column(IF, 14, (_d, r, secs) => unsigned(TAG.Counter32, secs * (r % 3)));
  column(IF, 20, () => ZERO_C32);
  column(IFX, 1, (_d, r) => octets(`Gi${Math.floor(r / 48)}/${r % 48}`));
  column(IFX, 6, (_d, r, secs) => unsigned(TAG.Counter64, 1e9 + secs * 125_000 * (r % 100)));
  column(IFX, 10, (_d, r, secs) => unsigned(TAG.Counter64, 2e9 + secs * 60_000 * (r % 100)));
  return entries;
}

/** A minimal BER reader over one datagram; throws on anything malformed. */
class Reader {
  pos = 0;
  constructor(private readonly buf: Buffer) {}

  /** Reads a TLV header; returns [tag, content start, content end]. */
  header(): [number, number, number] {
    const tag = this.byte();
    let len = this.byte();
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3) throw new Error("unsupported length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.byte();
    }
    const start = this.pos;
    if (start + len > this.buf.length) throw new Error("truncated");
    return [tag, start, start + len];
  }

  /** The whole TLV at the current position, raw. */
  raw(): Buffer {
    const from = this.pos;
    const [, , end] = this.header();
    this.pos = end;
    return this.buf.subarray(from, end);
  }

  integer(): number {
    const [tag, start, end] = this.header();
    if (tag !== TAG.Integer || end - start > 6) throw new Error("expected INTEGER");
    let v = 0;
    for (let i = start; i < end; i++) v = v * 256 + (this.buf[i] as number);
    this.pos = end;
    return v;
  }

  oid(): number[] {
    const [tag, start, end] = this.header();
    if (tag !== TAG.OID || end === start) throw new Error("expected OBJECT IDENTIFIER");
    const first = this.buf[start] as number;
    const ids = [Math.min(2, Math.floor(first / 40)), first - 40 * Math.min(2, Math.floor(first / 40))];
    let v = 0;
    for (let i = start + 1; i < end; i++) {
      const b = this.buf[i] as number;
      v = v * 128 + (b & 0x7f);
      if ((b & 0x80) === 0) {
        ids.push(v);
        v = 0;
      }
    }
    this.pos = end;
    return ids;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new Error("truncated");
    return this.buf[this.pos++] as number;
  }
}

/** Serves one UDP socket per device; `close()` stops them all. */
export class ScaleDevices {
  private readonly sockets: Socket[] = [];
  private readonly view: Entry[];

  constructor(
    private readonly community: string,
    maxRows: number,
  ) {
    this.view = buildView(maxRows);
  }

  /** Starts a device named `name` with `rows` interfaces on host:port (0 = any); resolves to the bound port. */
  async start(name: string, host: string, port: number, rows: number): Promise<number> {
    const dev: DeviceState = { name, rows, startedMs: Date.now() };
    const socket = createSocket("udp4");
    socket.on("message", (msg, rinfo) => {
      const reply = this.answer(dev, msg);
      if (reply !== undefined) socket.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(port, host, () => {
        socket.off("error", reject);
        resolve();
      });
    });
    this.sockets.push(socket);
    return socket.address().port;
  }

  close(): void {
    for (const s of this.sockets.splice(0)) s.close();
  }

  /** The response to one request datagram, or undefined to drop it. */
  answer(dev: DeviceState, msg: Buffer): Buffer | undefined {
    try {
      const r = new Reader(msg);
      const [seqTag] = r.header();
      if (seqTag !== TAG.Sequence || r.integer() !== 1) return undefined; // v2c only
      const [commTag, cStart, cEnd] = r.header();
      if (commTag !== TAG.OctetString || msg.toString("latin1", cStart, cEnd) !== this.community) return undefined;
      r.pos = cEnd;
      const [pduTag] = r.header();
      const requestId = r.raw();
      const nonRepeaters = r.integer();
      const maxRepetitions = r.integer();
      const [vblTag, , vblEnd] = r.header();
      if (vblTag !== TAG.Sequence) return undefined;
      const oids: number[][] = [];
      while (r.pos < vblEnd) {
        r.header();
        oids.push(r.oid());
        r.raw(); // the request's value (NULL)
      }
      const secs = (Date.now() - dev.startedMs) / 1000;
      const out: Buffer[] = [];
      if (pduTag === PDU.Get) for (const oid of oids) out.push(this.exact(dev, oid, secs));
      else if (pduTag === PDU.GetNext) for (const oid of oids) out.push(this.next(dev, oid, secs)[0]);
      else if (pduTag === PDU.GetBulk) this.bulk(dev, oids, Math.min(nonRepeaters, oids.length), maxRepetitions, secs, out);
      else return undefined;
      const pdu = tlv(PDU.Response, Buffer.concat([requestId, unsigned(TAG.Integer, 0), unsigned(TAG.Integer, 0), tlv(TAG.Sequence, Buffer.concat(out))]));
      return tlv(TAG.Sequence, Buffer.concat([unsigned(TAG.Integer, 1), octets(this.community), pdu]));
    } catch {
      return undefined;
    }
  }

  private bulk(dev: DeviceState, oids: number[][], nonRepeaters: number, maxRepetitions: number, secs: number, out: Buffer[]): void {
    for (let i = 0; i < nonRepeaters; i++) out.push(this.next(dev, oids[i] as number[], secs)[0]);
    const cursors = oids.slice(nonRepeaters);
    let bytes = 0;
    // Repetitions stop early when the answer would outgrow a datagram (RFC 3416 §4.2.3).
    for (let rep = 0; rep < maxRepetitions && cursors.length > 0 && bytes < 60_000; rep++) {
      for (let c = 0; c < cursors.length; c++) {
        const [vb, oid] = this.next(dev, cursors[c] as number[], secs);
        cursors[c] = oid;
        out.push(vb);
        bytes += vb.length;
      }
    }
  }

  private varbind(name: Buffer, value: Buffer): Buffer {
    return tlv(TAG.Sequence, Buffer.concat([name, value]));
  }

  private visible(dev: DeviceState, e: Entry): boolean {
    return e.row <= dev.rows;
  }

  private exact(dev: DeviceState, oid: number[], secs: number): Buffer {
    const i = this.firstNotBefore(oid);
    const e = this.view[i];
    if (e !== undefined && compareOid(e.oid, oid) === 0 && this.visible(dev, e)) return this.varbind(e.name, e.value(dev, e.row, secs));
    return this.varbind(encodeOid(oid), NO_SUCH_OBJECT);
  }

  /** The varbind after `oid` in the device's view, and its OID (endOfMibView past the end). */
  private next(dev: DeviceState, oid: number[], secs: number): [Buffer, number[]] {
    let i = this.firstNotBefore(oid);
    if (this.view[i] !== undefined && compareOid((this.view[i] as Entry).oid, oid) === 0) i++;
    while (i < this.view.length && !this.visible(dev, this.view[i] as Entry)) i++;
    const e = this.view[i];
    if (e === undefined) return [this.varbind(encodeOid(oid), END_OF_MIB_VIEW), oid];
    return [this.varbind(e.name, e.value(dev, e.row, secs)), e.oid];
  }

  /** Index of the first entry whose OID is >= `oid`. */
  private firstNotBefore(oid: readonly number[]): number {
    let lo = 0;
    let hi = this.view.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareOid((this.view[mid] as Entry).oid, oid) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
