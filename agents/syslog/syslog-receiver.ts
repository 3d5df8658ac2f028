/**
 * Syslog receiver (adapter): UDP (one datagram, one message, RFC 5426) and TCP (RFC 6587
 * framing), size limits, a token bucket per source like traps, and events tied to the device
 * at the source address. Malformed input is counted; connections are bounded in number and
 * idle time; no input stops the receiver.
 */
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { createServer, type Server, type Socket } from "node:net";
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { Sink } from "../sink.ts";
import { SourceRateLimiter } from "../traps/source-rate-limiter.ts";
import { enlargeReceiveBuffer } from "../udp-receive-buffer.ts";
import { classifySyslog } from "./syslog-classify.ts";
import { SyslogFramer } from "./syslog-framing.ts";
import { parseSyslog } from "./syslog-parser.ts";

export interface SyslogReceiverOptions {
  agent: string;
  udp?: { host: string; port: number };
  tcp?: { host: string; port: number };
  maxMessageBytes: number;
  rateLimit: { perSecond: number; burst: number };
  sink: Sink;
  deviceAt?: (address: string) => string | undefined;
  onReceived?: (transport: "udp" | "tcp") => void;
  onDropped?: (reason: "rate_limit" | "too_large" | "malformed") => void;
  now?: () => number;
  maxConnections?: number;
}

function normalise(address: string): string {
  return address.startsWith("::ffff:") ? address.slice(7) : address;
}

/** A running syslog receiver. */
export class SyslogReceiver {
  private udp?: UdpSocket;
  private tcp?: Server;
  private readonly conns = new Set<Socket>();
  private readonly limiter: SourceRateLimiter;
  private seq = 0;
  private readonly now: () => number;
  private readonly stopSweep: () => void;
  /** The UDP socket's receive buffer as the kernel granted it (bytes; 0 without UDP). */
  receiveBufferBytes = 0;

  private constructor(private readonly opts: SyslogReceiverOptions) {
    this.now = opts.now ?? Date.now;
    this.limiter = new SourceRateLimiter(opts.rateLimit.perSecond, opts.rateLimit.burst);
    this.stopSweep = this.limiter.sweepEvery(1000, this.now, ({ source, dropped }) => opts.sink.events([this.stormEnded(source, dropped, this.now())]));
  }

  /** Starts the configured listeners; rejects naming the address that cannot be bound. */
  static async start(opts: SyslogReceiverOptions): Promise<SyslogReceiver> {
    const r = new SyslogReceiver(opts);
    try {
      if (opts.udp) await r.startUdp(opts.udp.host, opts.udp.port);
      if (opts.tcp) await r.startTcp(opts.tcp.host, opts.tcp.port);
    } catch (err) {
      await r.close();
      throw err;
    }
    return r;
  }

  /** Bound addresses (port 0 resolved). */
  addresses(): { udp?: number; tcp?: number } {
    const tcp = this.tcp?.address();
    return { ...(this.udp ? { udp: this.udp.address().port } : {}), ...(tcp && typeof tcp === "object" ? { tcp: tcp.port } : {}) };
  }

  private startUdp(host: string, port: number): Promise<void> {
    const sock = createSocket(host.includes(":") ? "udp6" : "udp4");
    this.udp = sock;
    sock.on("message", (msg, rinfo) => {
      if (msg.length > this.opts.maxMessageBytes) return this.opts.onDropped?.("too_large");
      this.handle(msg.toString("utf8"), normalise(rinfo.address), "udp");
    });
    return new Promise((resolve, reject) => {
      sock.once("error", (err) => reject(new Error(`cannot listen for syslog on udp ${host}:${port}: ${err.message}`)));
      sock.bind(port, host, () => {
        sock.removeAllListeners("error");
        sock.on("error", () => this.opts.onDropped?.("malformed"));
        this.receiveBufferBytes = enlargeReceiveBuffer(sock);
        resolve();
      });
    });
  }

  private startTcp(host: string, port: number): Promise<void> {
    const server = createServer((conn) => {
      if (this.conns.size >= (this.opts.maxConnections ?? 256)) return conn.destroy();
      this.conns.add(conn);
      const source = normalise(conn.remoteAddress ?? "unknown");
      const framer = new SyslogFramer(this.opts.maxMessageBytes);
      conn.setTimeout(300_000, () => conn.destroy());
      conn.on("data", (chunk: Buffer) => {
        for (const f of framer.push(chunk)) {
          if ("frame" in f) this.handle(f.frame, source, "tcp");
          else this.opts.onDropped?.("oversize" in f ? "too_large" : "malformed");
        }
      });
      conn.on("error", () => conn.destroy());
      conn.on("close", () => this.conns.delete(conn));
    });
    this.tcp = server;
    server.on("error", () => undefined);
    return new Promise((resolve, reject) => {
      server.once("error", (err) => reject(new Error(`cannot listen for syslog on tcp ${host}:${port}: ${err.message}`)));
      server.listen(port, host, () => resolve());
    });
  }

  private handle(text: string, source: string, transport: "udp" | "tcp"): void {
    const nowMs = this.now();
    const decision = this.limiter.take(source, nowMs);
    const device = this.opts.deviceAt?.(source);
    const events: CityEvent[] = [];
    const entity = device !== undefined ? { entity: { kind: "device" as const, name: device } } : {};
    const id = () => `${this.opts.agent}:${source}:${nowMs}:${this.seq++}`.replace(/[^A-Za-z0-9._:-]/g, "_");
    if (decision.stormEnded) events.push(this.stormEnded(source, decision.stormEnded.dropped, nowMs));
    if (!decision.accept) {
      this.opts.onDropped?.("rate_limit");
      if (decision.stormStarted) events.push({ id: id(), ts: nowMs, kind: "syslog", type: "syslog-storm", severity: "major", security: true, agent: this.opts.agent, source, ...entity, message: `syslog storm from ${device ?? source}: over ${this.opts.rateLimit.perSecond}/s, dropping`, attributes: {} });
    } else {
      const msg = parseSyslog(text, nowMs);
      if (msg === undefined) this.opts.onDropped?.("malformed");
      else {
        this.opts.onReceived?.(transport);
        events.push(classifySyslog(msg, { agent: this.opts.agent, source, ...(device !== undefined ? { device } : {}), seq: this.seq++, transport }));
      }
    }
    if (events.length > 0) this.opts.sink.events(events);
  }

  private stormEnded(source: string, dropped: number, tsMs: number): CityEvent {
    const device = this.opts.deviceAt?.(source);
    return { id: `${this.opts.agent}:${source}:${tsMs}:${this.seq++}`.replace(/[^A-Za-z0-9._:-]/g, "_"), ts: tsMs, kind: "syslog", type: "syslog-storm-ended", severity: "warning", security: true, agent: this.opts.agent, source, ...(device !== undefined ? { entity: { kind: "device" as const, name: device } } : {}), message: `syslog storm from ${device ?? source} ended: ${dropped} messages dropped`, attributes: { dropped } };
  }

  /** Stops listening and closes connections. */
  async close(): Promise<void> {
    this.stopSweep();
    for (const c of this.conns) c.destroy();
    await Promise.all([
      this.udp ? new Promise<void>((r) => this.udp?.close(() => r())) : undefined,
      this.tcp ? new Promise<void>((r) => this.tcp?.close(() => r())) : undefined,
    ]);
  }
}
