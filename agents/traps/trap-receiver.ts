/**
 * The SNMP trap receiver (adapter): v2c communities and v3 users from the agent's auths only,
 * a token bucket per source (a storm becomes one event and an exact drop count), decoding to
 * events tied to the device at the source address. Errors from bad packets and unauthorised
 * senders arrive in net-snmp's callback and are counted; nothing a sender does stops it.
 * Authenticated SNMPv3 traps are also checked for timeliness (engine-time-window.ts): a replay
 * outside the 150 s window, or a copy of a trap already accepted, is dropped and reported as
 * one security event per source until that source sends an acceptable trap again.
 */
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { Sink } from "../sink.ts";
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import * as netSnmp from "net-snmp";
import type { Receiver as NetSnmpReceiver, User as NetSnmpUser } from "net-snmp";
import { EngineTimeWindow } from "./engine-time-window.ts";
import { enlargeReceiveBuffer } from "../udp-receive-buffer.ts";
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
  onDropped?: (reason: TrapDropReason) => void;
  now?: () => number;
}

/** Why a datagram did not become an event. */
export type TrapDropReason = "rate_limit" | "unauthorised" | "malformed" | "not_in_time_window" | "replayed" | "discovery";

/** usmStatsUnknownEngineIDs.0 (RFC 3414 §5): the Report that answers an engine discovery probe. */
const USM_UNKNOWN_ENGINE_IDS = "1.3.6.1.6.3.15.1.1.4.0";

/** The USM fields of an authenticated SNMPv3 message (net-snmp parses them but does not hand them on). */
interface UsmParameters {
  engineId: string;
  boots: number;
  time: number;
  digest: string;
}

interface NetSnmpMessage {
  version: number;
  pdu: { type: number };
  hasAuthentication(): unknown;
  msgSecurityParameters?: { msgAuthoritativeEngineID: Buffer; msgAuthoritativeEngineBoots: number; msgAuthoritativeEngineTime: number; msgAuthenticationParameters: Buffer };
}

/** A running trap receiver. */
export class TrapReceiver {
  private readonly receiver: NetSnmpReceiver;
  private readonly limiter: SourceRateLimiter;
  private readonly timeWindow = new EngineTimeWindow();
  /** Sources whose last v3 trap was refused as stale or replayed (one event per streak). */
  private readonly rejecting = new Set<string>();
  private seq = 0;
  /** Callbacks net-snmp made for the datagram being processed. */
  private outcomes = 0;
  /** The datagram being processed was an engine discovery probe (answered with a Report). */
  private discovery = false;
  private readonly now: () => number;
  private readonly stopSweep: () => void;
  /** The socket's receive buffer as the kernel granted it (bytes). */
  receiveBufferBytes = 0;

  private constructor(private readonly opts: TrapReceiverOptions) {
    this.now = opts.now ?? Date.now;
    this.limiter = new SourceRateLimiter(opts.rateLimit.perSecond, opts.rateLimit.burst);
    this.stopSweep = this.limiter.sweepEvery(1000, this.now, ({ source, dropped }) => opts.sink.events([this.stormEnded(source, dropped, this.now())]));
    this.receiver = netSnmp.createReceiver({ port: opts.port, address: opts.host, transport: opts.host.includes(":") ? "udp6" : "udp4", includeAuthentication: true }, (err, n) => {
      this.outcomes++;
      if (err) {
        // net-snmp decrypts before it checks the digest: a PDU that does not decrypt with the
        // user's privacy key fails authentication as surely as a wrong digest.
        opts.onDropped?.(/community|user|authori[sz]|authentic|decrypt/i.test(err.message) ? "unauthorised" : "malformed");
        return;
      }
      if (!n) return;
      const usm = (n as { usm?: UsmParameters }).usm;
      if (usm !== undefined && !this.timely(usm, n.rinfo.address)) return;
      this.handle(n.pdu.varbinds, n.rinfo.address, n.pdu.user !== undefined ? "3" : n.pdu.type === 164 ? "1" : "2c");
    });
    // A reportable SNMPv3 message from an unknown user, without the authentication or privacy
    // its user requires, or an engine discovery probe, is answered with a Report and never
    // reaches the callback. Processing is synchronous, so a datagram that ends with no outcome
    // is one of those: it is counted instead of vanishing, a probe (the first step of every v3
    // inform sender) as discovery, the rest as unauthorised.
    const listener = this.receiver.listener as unknown as { send(m: { pdu?: { type: number; varbinds?: { oid: string }[] } }, rinfo: unknown, socket: unknown): void };
    const send = listener.send.bind(listener);
    listener.send = (m, rinfo, socket) => {
      if (m.pdu !== undefined && m.pdu.type === netSnmp.PduType.Report && m.pdu.varbinds?.[0]?.oid === USM_UNKNOWN_ENGINE_IDS) this.discovery = true;
      send(m, rinfo, socket);
    };
    for (const socket of Object.values(this.receiver.listener.sockets)) {
      socket.prependListener("message", () => {
        this.outcomes = 0;
        this.discovery = false;
      });
      socket.on("message", () => {
        if (this.outcomes === 0) opts.onDropped?.(this.discovery ? "discovery" : "unauthorised");
      });
    }
    // net-snmp authenticates the whole message but passes on only the PDU: its per-receiver
    // formatCallbackData hook is the one place the authenticated boots/time are still at hand.
    const receiver = this.receiver as unknown as { formatCallbackData: (m: NetSnmpMessage, rinfo: unknown) => object };
    const format = receiver.formatCallbackData.bind(receiver);
    receiver.formatCallbackData = (m, rinfo) => {
      const p = m.msgSecurityParameters;
      // An inform's authoritative engine is this receiver (RFC 3414 §3.1.1), whose time net-snmp
      // keeps fixed, so the sender's notion of it cannot be checked: traps only.
      const usm: UsmParameters | undefined = m.version === netSnmp.Version3 && m.pdu.type !== netSnmp.PduType.InformRequest && Boolean(m.hasAuthentication()) && p !== undefined ? { engineId: p.msgAuthoritativeEngineID.toString("hex"), boots: p.msgAuthoritativeEngineBoots, time: p.msgAuthoritativeEngineTime, digest: p.msgAuthenticationParameters.toString("hex") } : undefined;
      return { ...format(m, rinfo), ...(usm !== undefined ? { usm } : {}) };
    };
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
    r.receiveBufferBytes = enlargeReceiveBuffer(socket);
    return r;
  }

  /** RFC 3414 §3.2 step 7b for an authenticated v3 trap; counts and reports a refusal. */
  private timely(usm: UsmParameters, source: string): boolean {
    const tsMs = this.now();
    const verdict = this.timeWindow.check(usm.engineId, usm.boots, usm.time, usm.digest, tsMs);
    if (verdict === "accept") {
      this.rejecting.delete(source);
      return true;
    }
    this.opts.onDropped?.(verdict);
    if (!this.rejecting.has(source)) {
      if (this.rejecting.size >= 10_000) this.rejecting.clear();
      this.rejecting.add(source);
      const what = verdict === "replayed" ? "a copy of a trap already received" : `engine boots ${usm.boots} time ${usm.time}, outside the 150 s window`;
      this.opts.sink.events([this.event(source, tsMs, "trap-replay", "major", (from) => `${from}: SNMPv3 trap refused as a possible replay (${what}), dropping until a fresh one arrives`, { engineId: usm.engineId.slice(0, 64), reason: verdict })]);
    }
    return false;
  }

  private handle(varbinds: Parameters<typeof decodeTrap>[0], source: string, version: "1" | "2c" | "3"): void {
    const tsMs = this.now();
    const decision = this.limiter.take(source, tsMs);
    const events: CityEvent[] = [];
    if (decision.stormEnded) events.push(this.stormEnded(source, decision.stormEnded.dropped, tsMs));
    if (!decision.accept) {
      this.opts.onDropped?.("rate_limit");
      const perSecond = this.opts.rateLimit.perSecond;
      if (decision.stormStarted) events.push(this.event(source, tsMs, "trap-storm", "major", (from) => `trap storm from ${from}: over ${perSecond}/s, dropping`, { perSecond }));
    } else {
      const device = this.opts.deviceAt?.(source);
      const event = decodeTrap(varbinds, { agent: this.opts.agent, source, ...(device !== undefined ? { device } : {}), tsMs, seq: this.seq++, version });
      if (event === undefined) this.opts.onDropped?.("malformed");
      else {
        this.opts.onReceived?.(version);
        events.push(event);
      }
    }
    if (events.length > 0) this.opts.sink.events(events);
  }

  private stormEnded(source: string, dropped: number, tsMs: number): CityEvent {
    return this.event(source, tsMs, "trap-storm-ended", "warning", (from) => `trap storm from ${from} ended: ${dropped} traps dropped`, { dropped });
  }

  /** A security event the receiver raises about a source (storms, replays), tied to its device when known. */
  private event(source: string, tsMs: number, type: string, severity: CityEvent["severity"], message: (from: string) => string, attributes: CityEvent["attributes"]): CityEvent {
    const device = this.opts.deviceAt?.(source);
    return { id: `${this.opts.agent}:${source}:${tsMs}:${this.seq++}`.replace(/[^A-Za-z0-9._:-]/g, "_"), ts: tsMs, kind: "trap", type, severity, security: true, agent: this.opts.agent, source, ...(device !== undefined ? { entity: { kind: "device" as const, name: device } } : {}), message: message(device ?? source), attributes };
  }

  /** Drops still being counted, by source (for /metrics and shutdown reports). */
  storms(): Map<string, number> {
    return this.limiter.storms();
  }

  /** Stops listening. */
  close(): Promise<void> {
    this.stopSweep();
    return new Promise((resolve) => this.receiver.close(() => resolve()));
  }
}
