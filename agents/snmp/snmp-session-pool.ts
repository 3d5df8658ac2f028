/**
 * Sessions kept open per (device, auth) and reused across polls and `/snmp` requests: creating
 * a net-snmp session costs a socket and, for SNMPv3, an engine discovery round trip plus key
 * localisation. Idle sessions are closed after `idleMs`.
 */
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import { SnmpClient } from "./snmp-client.ts";

export interface SessionPoolOptions {
  timeoutMs: number;
  retries: number;
  concurrency: number;
  idleMs: number;
  onBadPacket: (err: Error) => void;
}

/** A pool of reusable SNMP sessions. */
export class SnmpSessionPool {
  private readonly sessions = new Map<string, { client: SnmpClient; lastUsed: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly opts: SessionPoolOptions) {
    this.timer = setInterval(() => this.sweep(), Math.max(1000, opts.idleMs / 2));
    this.timer.unref();
  }

  /** The session for a device and auth name (created on first use). */
  get(host: string, port: number, authName: string, auth: SnmpAuth, overrides: { timeoutMs?: number; retries?: number } = {}): SnmpClient {
    const key = `${authName}@${host}:${port}/${overrides.timeoutMs ?? ""}/${overrides.retries ?? ""}`;
    let entry = this.sessions.get(key);
    if (entry === undefined) {
      const client = new SnmpClient({ host, port, auth, timeoutMs: overrides.timeoutMs ?? this.opts.timeoutMs, retries: overrides.retries ?? this.opts.retries, concurrency: this.opts.concurrency, onBadPacket: this.opts.onBadPacket });
      this.sessions.set(key, (entry = { client, lastUsed: Date.now() }));
    }
    entry.lastUsed = Date.now();
    return entry.client;
  }

  /** Closes and forgets every session of one device. */
  drop(host: string, port: number): void {
    for (const [key, e] of this.sessions) {
      if (key.includes(`@${host}:${port}/`)) {
        e.client.close();
        this.sessions.delete(key);
      }
    }
  }

  private sweep(): void {
    const cutoff = Date.now() - this.opts.idleMs;
    for (const [key, e] of this.sessions) {
      if (e.lastUsed < cutoff) {
        e.client.close();
        this.sessions.delete(key);
      }
    }
  }

  /** Closes every session. */
  close(): void {
    clearInterval(this.timer);
    for (const e of this.sessions.values()) e.client.close();
    this.sessions.clear();
  }
}
