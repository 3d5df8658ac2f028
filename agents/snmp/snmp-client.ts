/**
 * One SNMP session per device (adapter: the only file of the poller that touches the network).
 * GETBULK walks of subtrees, one GET for scalars, a bound on requests in flight per device,
 * and an `error` listener on every session: without it one malformed datagram kills the
 * process (ECOSYSTEM.md, net-snmp).
 */
import type { SnmpAuth } from "../config/agent-config.schema.ts";
import * as netSnmp from "net-snmp";
import { ObjectType as SnmpType, type Session as NetSnmpSession, type User as NetSnmpUser, type Varbind as NetSnmpVarbind } from "net-snmp";

export interface SnmpClientOptions {
  host: string;
  port: number;
  auth: SnmpAuth;
  timeoutMs: number;
  retries: number;
  /** Requests in flight to this device at once. */
  concurrency: number;
  /** Called for every datagram net-snmp could not parse (counted by the caller). */
  onBadPacket?: (err: Error) => void;
}

/** Why a request failed, in the words an operator needs. */
export type SnmpFailure = "timeout" | "auth" | "protocol" | "aborted";

export class SnmpRequestError extends Error {
  override name = "SnmpRequestError";
  constructor(
    readonly failure: SnmpFailure,
    message: string,
  ) {
    super(message);
  }
}

/** Maps a net-snmp error to a failure class. */
export function classifySnmpError(err: Error): SnmpFailure {
  if (err.name === "RequestTimedOutError" || /timed out/i.test(err.message)) return "timeout";
  if (/authenticat|decrypt|unknown user|usm|engine/i.test(err.message)) return "auth";
  return "protocol";
}

function v3User(auth: Extract<SnmpAuth, { version: 3 }>): NetSnmpUser {
  const user: NetSnmpUser = { name: auth.username, level: netSnmp.SecurityLevel[auth.securityLevel] };
  if (auth.authProtocol !== undefined) {
    user.authProtocol = netSnmp.AuthProtocols[auth.authProtocol];
    user.authKey = auth.authPassword;
  }
  if (auth.privProtocol !== undefined) {
    user.privProtocol = netSnmp.PrivProtocols[auth.privProtocol];
    user.privKey = auth.privPassword;
  }
  return user;
}

/** A reusable session to one device. */
export class SnmpClient {
  private readonly session: NetSnmpSession;
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  /** PDUs answered since creation (for snmp_scrape_pdus_returned). */
  pdus = 0;

  constructor(private readonly opts: SnmpClientOptions) {
    const common = { port: opts.port, timeout: opts.timeoutMs, retries: opts.retries, backoff: 1, transport: opts.host.includes(":") ? "udp6" : "udp4", idBitsSize: 32 };
    this.session = opts.auth.version === "2c" ? netSnmp.createSession(opts.host, opts.auth.community, { ...common, version: netSnmp.Version2c }) : netSnmp.createV3Session(opts.host, v3User(opts.auth), { ...common, version: netSnmp.Version3 });
    this.session.on("error", (err) => opts.onBadPacket?.(err ?? new Error("socket error")));
  }

  /**
   * GET of scalar instance OIDs; missing ones (noSuchObject) are returned as such. `onFailure`
   * runs as soon as a request fails, before its slot is handed to the next waiting request, so a
   * caller can abort `signal` and nothing queued behind the failure is sent.
   */
  async get(oids: string[], signal: AbortSignal, onFailure?: () => void): Promise<NetSnmpVarbind[]> {
    if (oids.length === 0) return [];
    return this.request(signal, onFailure, (done) => this.session.get(oids, (err, vbs) => done(err, vbs)));
  }

  /**
   * Walks every subtree with GETBULK (subtrees in parallel up to the concurrency limit), handing
   * each answer's in-subtree varbinds to `onPage` with the subtree's position as they arrive;
   * returns the number of varbinds. Nothing is kept between pages.
   */
  async walk(roots: readonly string[], maxRepetitions: number, signal: AbortSignal, onPage: (varbinds: NetSnmpVarbind[], root: number) => void, onFailure?: () => void): Promise<number> {
    const counts = await Promise.all(roots.map((root, i) => this.walkOne(root, maxRepetitions, signal, (vbs) => onPage(vbs, i), onFailure)));
    return counts.reduce((a, b) => a + b, 0);
  }

  private async walkOne(root: string, maxRepetitions: number, signal: AbortSignal, onPage: (varbinds: NetSnmpVarbind[]) => void, onFailure?: () => void): Promise<number> {
    const prefix = `${root}.`;
    let next = root;
    let count = 0;
    for (;;) {
      const rows = await this.request<NetSnmpVarbind[][]>(signal, onFailure, (done) => this.session.getBulk([next], 0, maxRepetitions, (err, vbs) => done(err, vbs)));
      const column = rows[0] ?? [];
      // The walk ends at the first varbind outside the subtree or at endOfMibView (RFC 3416 §4.2.3).
      let inside = 0;
      while (inside < column.length && (column[inside] as NetSnmpVarbind).type !== SnmpType.EndOfMibView && (column[inside] as NetSnmpVarbind).oid.startsWith(prefix)) inside++;
      if (inside > 0) {
        onPage(inside === column.length ? column : column.slice(0, inside));
        count += inside;
      }
      if (inside < column.length || column.length === 0) return count;
      const last = (column[column.length - 1] as NetSnmpVarbind).oid;
      if (last === next) throw new SnmpRequestError("protocol", `device repeated ${last} in a GETBULK reply`);
      next = last;
    }
  }

  private async request<T>(signal: AbortSignal, onFailure: (() => void) | undefined, send: (done: (err: Error | null, value?: T) => void) => void): Promise<T> {
    while (this.inFlight >= this.opts.concurrency) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.inFlight++;
    try {
      if (signal.aborted || this.closed) throw new SnmpRequestError("aborted", this.closed ? "session closed" : "poll deadline reached");
      return await new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(new SnmpRequestError("aborted", "poll deadline reached"));
        signal.addEventListener("abort", onAbort, { once: true });
        try {
          send((err, value) => {
            signal.removeEventListener("abort", onAbort);
            if (err) reject(new SnmpRequestError(classifySnmpError(err), err.message));
            else {
              this.pdus++;
              resolve(value as T);
            }
          });
        } catch (err) {
          signal.removeEventListener("abort", onAbort);
          reject(new SnmpRequestError("protocol", (err as Error).message));
        }
      });
    } catch (err) {
      if ((err as SnmpRequestError).failure !== "aborted") onFailure?.();
      throw err;
    } finally {
      this.inFlight--;
      this.waiting.shift()?.();
    }
  }

  /** Closes the socket; requests still in flight fail. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.session.close();
    } catch {
      // already closed by a socket error
    }
  }
}
