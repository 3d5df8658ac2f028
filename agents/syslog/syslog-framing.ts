/**
 * RFC 6587 framing for syslog over TCP: octet counting (`LEN SP MSG`, §3.4.1) or, when a frame
 * does not start with a digit, non-transparent framing ending at LF (§3.4.2). Incremental and
 * bounded: a frame over `maxBytes` is reported once and skipped, never buffered whole.
 */
export type FrameResult = { frame: string } | { oversize: true } | { malformed: true };

/** Splits a TCP byte stream into syslog frames. */
export class SyslogFramer {
  private buf: Buffer = Buffer.alloc(0);
  private skip = 0;
  private skipToLf = false;

  constructor(private readonly maxBytes: number) {}

  /** Feeds bytes; returns complete frames (and problems) in order. */
  push(chunk: Buffer): FrameResult[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: FrameResult[] = [];
    for (;;) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, this.buf.length);
        this.skip -= n;
        this.buf = this.buf.subarray(n);
        if (this.skip > 0) return out;
      }
      if (this.skipToLf) {
        const lf = this.buf.indexOf(10);
        if (lf < 0) {
          this.buf = Buffer.alloc(0);
          return out;
        }
        this.buf = this.buf.subarray(lf + 1);
        this.skipToLf = false;
      }
      if (this.buf.length === 0) return out;
      const first = this.buf[0] as number;
      if (first >= 0x31 && first <= 0x39) {
        const sp = this.buf.indexOf(0x20);
        if (sp < 0) {
          if (this.buf.length > 10) {
            out.push({ malformed: true });
            this.skipToLf = true;
            continue;
          }
          return out;
        }
        const len = Number(this.buf.subarray(0, sp).toString("latin1"));
        if (!Number.isInteger(len) || sp > 10) {
          out.push({ malformed: true });
          this.skipToLf = true;
          continue;
        }
        if (len > this.maxBytes) {
          out.push({ oversize: true });
          this.buf = this.buf.subarray(sp + 1);
          this.skip = len;
          continue;
        }
        if (this.buf.length < sp + 1 + len) return out;
        out.push({ frame: this.buf.subarray(sp + 1, sp + 1 + len).toString("utf8") });
        this.buf = this.buf.subarray(sp + 1 + len);
      } else {
        const lf = this.buf.indexOf(10);
        if (lf < 0) {
          if (this.buf.length > this.maxBytes) {
            out.push({ oversize: true });
            this.buf = Buffer.alloc(0);
            this.skipToLf = true;
          }
          return out;
        }
        if (lf > this.maxBytes) out.push({ oversize: true });
        else if (lf > 0) out.push({ frame: this.buf.subarray(0, lf).toString("utf8") });
        this.buf = this.buf.subarray(lf + 1);
      }
    }
  }
}
