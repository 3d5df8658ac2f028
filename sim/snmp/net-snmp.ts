/**
 * The part of net-snmp's API the simulator uses (agent, MIB providers, trap sessions), typed
 * here because the package ships no types. Loaded through createRequire so the typed surface
 * stays in this one file.
 */
import { createRequire } from "node:module";
import type { Socket } from "node:dgram";

export interface SimVarbind {
  oid: string;
  type: number;
  value: unknown;
}

/** What a provider handler receives for each varbind it serves. */
export interface MibRequest {
  oid: string;
  address: number[];
  operation: number;
  instanceNode: { value: unknown; valueType: number };
  done(error?: { errorStatus: number; type?: number; value?: unknown }): void;
}

export interface MibColumn {
  number: number;
  name: string;
  type: number;
  maxAccess: number;
}

export interface MibProvider {
  name: string;
  type: number;
  oid: string;
  scalarType?: number;
  maxAccess: number;
  tableColumns?: MibColumn[];
  tableIndex?: { columnName: string; foreign?: string; implied?: boolean; length?: number }[];
  tableAugments?: string;
  handler?: (req: MibRequest) => void;
}

export interface Mib {
  registerProvider(p: MibProvider): void;
  setScalarValue(name: string, value: unknown): void;
  addTableRow(name: string, row: unknown[]): void;
  deleteTableRow(name: string, rowIndex: unknown[]): void;
}

export interface SnmpUser {
  name: string;
  level: number;
  authProtocol?: number;
  authKey?: string;
  privProtocol?: number;
  privKey?: string;
}

export interface SnmpAgent {
  getMib(): Mib;
  getAuthorizer(): { addCommunity(c: string): void; addUser(u: SnmpUser): void };
  close(cb?: () => void): void;
  listener: { sockets: Record<string, Socket> };
}

export interface SnmpTrapSession {
  trap(typeOrOid: number | string, varbinds: SimVarbind[], options: Record<string, unknown>, cb: (err: Error | null) => void): void;
  inform(typeOrOid: number | string, varbinds: SimVarbind[], options: Record<string, unknown>, cb: (err: Error | null) => void): void;
  on(event: "error", listener: (err: Error) => void): void;
  close(): void;
}

export interface NetSnmpAgentModule {
  Version2c: number;
  Version3: number;
  ObjectType: Record<string, number>;
  MibProviderType: { Scalar: number; Table: number };
  MaxAccess: Record<string, number>;
  ErrorStatus: Record<string, number>;
  SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  AuthProtocols: Record<string, number>;
  PrivProtocols: Record<string, number>;
  TrapType: Record<string, number>;
  createAgent(options: Record<string, unknown>, cb: (err: (Error & { code?: string; rinfo?: { address: string; port: number } }) | null, data?: unknown) => void): SnmpAgent;
  createSession(host: string, community: string, options: Record<string, unknown>): SnmpTrapSession;
  createV3Session(host: string, user: SnmpUser, options: Record<string, unknown>): SnmpTrapSession;
}

/** The net-snmp module, typed. */
export const snmp = createRequire(import.meta.url)("net-snmp") as NetSnmpAgentModule;

/** SMI types (RFC 2578 §7.1) under the names the MIBs use. */
export const T = {
  Integer: snmp.ObjectType.Integer as number,
  OctetString: snmp.ObjectType.OctetString as number,
  OID: snmp.ObjectType.OID as number,
  IpAddress: snmp.ObjectType.IpAddress as number,
  Counter32: snmp.ObjectType.Counter as number,
  Gauge32: snmp.ObjectType.Gauge as number,
  TimeTicks: snmp.ObjectType.TimeTicks as number,
  Counter64: snmp.ObjectType.Counter64 as number,
};

export const READ_ONLY = snmp.MaxAccess["read-only"] as number;
export const NOT_ACCESSIBLE = snmp.MaxAccess["not-accessible"] as number;
