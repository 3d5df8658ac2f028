/**
 * The SNMP trap receiver (adapter): v2c communities and v3 users from the agent's auths only,
 * a token bucket per source (a storm becomes one event and an exact drop count), decoding to
 * events tied to the device at the source address. Errors from bad packets and unauthorised
 * senders arrive in net-snmp's callback and are counted; nothing a sender does stops it.
 */
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { Sink } from "../sink.ts";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import * as netSnmp from "net-snmp";
import type { Receiver as NetSnmpReceiver, User as NetSnmpUser } from "net-snmp";
import { SourceRateLimiter } from "./source-rate-limiter.ts";
import { decodeTrap } from "./trap-decode.ts";

export interface TrapReceiverOptions {
  agent: string;
  host: string;
  port: number;
  auths: readonly SnmpAuth[];
  rateLimit: { perSecond: number; burst: number };
  sink: Sink;
  /** Inventory device name by management address. */
  deviceAt?: (address: string) => string | undefined;
  onReceived?: (version: string) => void;
  onDropped?: (reason: "rate_limit" | "unauthorised" | "malformed") => void;
  now?: () => number;
}

/** A running trap receiver. */
export class TrapReceiver {
  private readonly receiver: NetSnmpReceiver;
  private readonly limiter: SourceRateLimiter;
  private seq = 0;
  private readonly now: () => number;

  private constructor(private readonly opts: TrapReceiverOptions) {
    this.now = opts.now ?? Date.now;
    this.limiter = new SourceRateLimiter(opts.rateLimit.perSecond, opts.rateLimit.burst);
    this.receiver = netSnmp.createReceiver({ port: opts.port, address: opts.host, transport: opts.host.includes(":") ? "udp6" : "udp4", includeAuthentication: true }, (err, n) => {
      if (err) {
        opts.onDropped?.(/community|user|authori[sz]|authentic/i.test(err.message) ? "unauthorised" : "malformed");
        return;
      }
      if (n) this.handle(n.pdu.varbinds, n.rinfo.address, n.pdu.user !== undefined ? "3" : n.pdu.type === 164 ? "1" : "2c");
    });
    const authz = this.receiver.getAuthorizer();
    for (const a of opts.auths) {
      if (a.version === "2c") authz.addCommunity(a.community);
      else {
        const user: NetSnmpUser = { name: a.username, level: netSnmp.SecurityLevel[a.securityLevel] };
        if (a.authProtocol) Object.assign(user, { authProtocol: netSnmp.AuthProtocols[a.authProtocol], authKey: a.authPassword });
        if (a.privProtocol) Object.assign(user, { privProtocol: netSnmp.PrivProtocols[a.privProtocol], privKey: a.privPassword });
        authz.addUser(user);
      }
    }
  }

  /** Starts listening; rejects if the address cannot be bound. */
  static async start(opts: TrapReceiverOptions): Promise<TrapReceiver> {
    const r = new TrapReceiver(opts);
    const socket = Object.values(r.receiver.listener.sockets)[0];
    if (socket === undefined) throw new Error("trap receiver has no socket");
    await new Promise<void>((resolve, reject) => {
      socket.once("listening", () => resolve());
      socket.once("error", (err) => reject(new Error(`cannot listen for traps on ${opts.host}:${opts.port}: ${err.message}`)));
    });
    return r;
  }

  private handle(varbinds: Parameters<typeof decodeTrap>[0], source: string, version: "1" | "2c" | "3"): void {
    const tsMs = this.now();
    const decision = this.limiter.take(source, tsMs);
    const events: CityEvent[] = [];
    const device = this.opts.deviceAt?.(source);
    const entity = device !== undefined ? { entity: { kind: "device" as const, name: device } } : {};
    const id = () => `${this.opts.agent}:${source}:${tsMs}:${this.seq++}`.replace(/[^A-Za-z0-9._:-]/g, "_");
    if (decision.stormEnded) events.push({ id: id(), ts: tsMs, kind: "trap", type: "trap-storm-ended", severity: "warning", security: true, agent: this.opts.agent, source, ...entity, message: `trap storm from ${device ?? source} ended: ${decision.stormEnded.dropped} traps dropped`, attributes: { dropped: decision.stormEnded.dropped } });
    if (!decision.accept) {
      this.opts.onDropped?.("rate_limit");
      if (decision.stormStarted) events.push({ id: id(), ts: tsMs, kind: "trap", type: "trap-storm", severity: "major", security: true, agent: this.opts.agent, source, ...entity, message: `trap storm from ${device ?? source}: over ${this.opts.rateLimit.perSecond}/s, dropping`, attributes: { perSecond: this.opts.rateLimit.perSecond } });
    } else {
      const event = decodeTrap(varbinds, { agent: this.opts.agent, source, ...(device !== undefined ? { device } : {}), tsMs, seq: this.seq++, version });
      if (event === undefined) this.opts.onDropped?.("malformed");
      else {
        this.opts.onReceived?.(version);
        events.push(event);
      }
    }
    if (events.length > 0) this.opts.sink.events(events);
  }

  /** Drops still being counted, by source (for /metrics and shutdown reports). */
  storms(): Map<string, number> {
    return this.limiter.storms();
  }

  /** Stops listening. */
  close(): Promise<void> {
    return new Promise((resolve) => this.receiver.close(() => resolve()));
  }
}
