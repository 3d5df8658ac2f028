/**
 * The small part of net-snmp's API the agent uses, typed here (the package ships no types).
 * Loaded through createRequire so that the typed surface stays in one file.
 */
import { createRequire } from "node:module";

/** One variable binding as net-snmp delivers it: numbers, Buffers (strings, Counter64) or OID text. */
export interface NetSnmpVarbind {
  oid: string;
  type: number;
  value: unknown;
}

export interface NetSnmpSession {
  get(oids: string[], cb: (err: Error | null, varbinds?: NetSnmpVarbind[]) => void): void;
  getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: (err: Error | null, varbinds?: NetSnmpVarbind[][]) => void): void;
  on(event: "error" | "close", listener: (err?: Error) => void): void;
  close(): void;
}

export interface NetSnmpUser {
  name: string;
  level: number;
  authProtocol?: number;
  authKey?: string;
  privProtocol?: number;
  privKey?: string;
}

export interface NetSnmpNotification {
  pdu: { type: number; varbinds: NetSnmpVarbind[]; community?: string; user?: string; enterprise?: string; genericTrap?: number; specificTrap?: number };
  rinfo: { address: string; port: number; size: number };
}

export interface NetSnmpReceiver {
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: NetSnmpUser): void };
  close(cb?: () => void): void;
  listener: { sockets: Record<string, import("node:dgram").Socket> };
}

export interface NetSnmpModule {
  Version1: number;
  Version2c: number;
  Version3: number;
  ObjectType: Record<string, number>;
  SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  AuthProtocols: Record<string, number>;
  PrivProtocols: Record<string, number>;
  PduType: Record<string, number>;
  createSession(host: string, community: string, options: Record<string, unknown>): NetSnmpSession;
  createV3Session(host: string, user: NetSnmpUser, options: Record<string, unknown>): NetSnmpSession;
  createReceiver(options: Record<string, unknown>, cb: (err: (Error & { rinfo?: { address: string } }) | null, n?: NetSnmpNotification) => void): NetSnmpReceiver;
  isVarbindError(vb: NetSnmpVarbind): boolean;
}

/** The net-snmp module, typed. */
export const netSnmp = createRequire(import.meta.url)("net-snmp") as NetSnmpModule;

/** ASN.1 / SMI tags net-snmp reports in `varbind.type` (RFC 2578 §7.1, RFC 3416 §3). */
export const SnmpType = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter: 65,
  Gauge: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;
