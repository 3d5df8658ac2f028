// net-snmp ships no type declarations; this is the part of its API (index.js exports) the
// agent (poller, trap receiver) and the simulator (agents, MIB providers, trap senders) use.
declare module "net-snmp" {
  import type { Socket } from "node:dgram";

  /** One variable binding: numbers, Buffers (strings, Counter64) or OID text in `value`. */
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  /** A manager session (requests, traps and informs). */
  export interface Session {
    get(oids: string[], cb: (err: Error | null, varbinds?: Varbind[]) => void): void;
    getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, cb: (err: Error | null, varbinds?: Varbind[][]) => void): void;
    trap(typeOrOid: number | string, varbinds: Varbind[], options: Record<string, unknown>, cb: (err: Error | null) => void): void;
    inform(typeOrOid: number | string, varbinds: Varbind[], options: Record<string, unknown>, cb: (err: Error | null) => void): void;
    on(event: "error" | "close", listener: (err?: Error) => void): void;
    close(): void;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    addUser(user: User): void;
  }

  export interface Notification {
    pdu: { type: number; varbinds: Varbind[]; community?: string; user?: string; enterprise?: string; genericTrap?: number; specificTrap?: number };
    rinfo: { address: string; port: number; size: number };
  }

  export interface Receiver {
    getAuthorizer(): Authorizer;
    close(cb?: () => void): void;
    listener: { sockets: Record<string, Socket> };
  }

  /** What a MIB provider's handler receives for each varbind it serves. */
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

  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(cb?: () => void): void;
    listener: { sockets: Record<string, Socket> };
  }

  export const Version1: number;
  export const Version2c: number;
  export const Version3: number;

  /** ASN.1 / SMI tags as in `Varbind.type` (RFC 2578 §7.1, RFC 3416 §3), with the SMIv2 aliases. */
  export const ObjectType: {
    readonly Boolean: 1;
    readonly Integer: 2;
    readonly BitString: 3;
    readonly OctetString: 4;
    readonly Null: 5;
    readonly OID: 6;
    readonly IpAddress: 64;
    readonly Counter: 65;
    readonly Gauge: 66;
    readonly TimeTicks: 67;
    readonly Opaque: 68;
    readonly Counter64: 70;
    readonly NoSuchObject: 128;
    readonly NoSuchInstance: 129;
    readonly EndOfMibView: 130;
    readonly Integer32: 2;
    readonly Counter32: 65;
    readonly Gauge32: 66;
    readonly Unsigned32: 66;
  };
  export const SecurityLevel: { readonly noAuthNoPriv: number; readonly authNoPriv: number; readonly authPriv: number };
  export const AuthProtocols: Readonly<Record<string, number>>;
  export const PrivProtocols: Readonly<Record<string, number>>;
  export const PduType: Readonly<Record<string, number>>;
  export const TrapType: Readonly<Record<string, number>>;
  export const ErrorStatus: Readonly<Record<string, number>>;
  export const MibProviderType: { readonly Scalar: number; readonly Table: number };
  export const MaxAccess: { readonly "not-accessible": 0; readonly "accessible-for-notify": 1; readonly "read-only": 2; readonly "read-write": 3; readonly "read-create": 4 };

  export function createSession(host: string, community: string, options: Record<string, unknown>): Session;
  export function createV3Session(host: string, user: User, options: Record<string, unknown>): Session;
  export function createReceiver(options: Record<string, unknown>, cb: (err: (Error & { rinfo?: { address: string } }) | null, notification?: Notification) => void): Receiver;
  export function createAgent(options: Record<string, unknown>, cb: (err: (Error & { code?: string; rinfo?: { address: string; port: number } }) | null, data?: unknown) => void): Agent;
  export function isVarbindError(vb: Varbind): boolean;
}
