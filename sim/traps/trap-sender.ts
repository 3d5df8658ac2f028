import type { SimDevice, SimDeviceEvent } from "../model/sim-device.ts";
import type { SimSnmpV3Secret } from "../sim-credentials.ts";
import * as snmp from "net-snmp";
import { ObjectType as T, type Varbind as SimVarbind, type Session as SnmpTrapSession } from "net-snmp";

/** Where traps go. */
export interface TrapReceiver {
  host: string;
  port: number;
  version: "2c" | "3";
}

/** SNMPv2-MIB generic notifications (RFC 3418 §2) and AIRESPACE-WIRELESS-MIB AP notifications. */
export const TRAP_OIDS = {
  coldStart: "1.3.6.1.6.3.1.1.5.1",
  linkDown: "1.3.6.1.6.3.1.1.5.3",
  linkUp: "1.3.6.1.6.3.1.1.5.4",
  authenticationFailure: "1.3.6.1.6.3.1.1.5.5",
  bsnAPDisassociated: "1.3.6.1.4.1.14179.2.6.3.8",
  bsnAPAssociated: "1.3.6.1.4.1.14179.2.6.3.7",
} as const;

/** The notification OID and varbinds a device sends for an event, or undefined if none. */
export function trapFor(e: SimDeviceEvent): { oid: string; varbinds: SimVarbind[] } | undefined {
  switch (e.type) {
    case "cold-start":
      return { oid: TRAP_OIDS.coldStart, varbinds: [] };
    case "link":
      // RFC 2863 linkDown/linkUp OBJECTS { ifIndex, ifAdminStatus, ifOperStatus }, plus ifDescr as IOS adds.
      return {
        oid: e.up ? TRAP_OIDS.linkUp : TRAP_OIDS.linkDown,
        varbinds: [
          { oid: `1.3.6.1.2.1.2.2.1.1.${e.ifIndex}`, type: T.Integer, value: e.ifIndex },
          { oid: `1.3.6.1.2.1.2.2.1.7.${e.ifIndex}`, type: T.Integer, value: e.adminUp ? 1 : 2 },
          { oid: `1.3.6.1.2.1.2.2.1.8.${e.ifIndex}`, type: T.Integer, value: e.up ? 1 : 2 },
          { oid: `1.3.6.1.2.1.2.2.1.2.${e.ifIndex}`, type: T.OctetString, value: e.ifName },
        ],
      };
    case "auth-failure":
      return { oid: TRAP_OIDS.authenticationFailure, varbinds: [] };
    case "ap":
      return {
        oid: e.up ? TRAP_OIDS.bsnAPAssociated : TRAP_OIDS.bsnAPDisassociated,
        varbinds: [
          // bsnAPMacAddrTrapVariable, bsnAPName
          { oid: "1.3.6.1.4.1.14179.2.6.2.20.0", type: T.OctetString, value: Buffer.from(e.apMac.split(":").map((h) => parseInt(h, 16))) },
          { oid: "1.3.6.1.4.1.14179.2.2.1.1.3.0", type: T.OctetString, value: e.ap },
        ],
      };
    default:
      return undefined;
  }
}

/**
 * Sends a device's notifications to every receiver, from the device's own address (so a
 * receiver sees the source it would see from the real device), v2c with the community or v3
 * with the device's SHA/AES user. Sessions open on the first trap and close with the city.
 */
export class TrapSender {
  private readonly sessions = new Map<string, SnmpTrapSession>();
  /** Traps sent and failed, for tests and the console. */
  sent = 0;
  failed = 0;

  constructor(
    private readonly receivers: TrapReceiver[],
    private readonly community: string,
    private readonly user: SimSnmpV3Secret | undefined,
  ) {}

  /** Sends the trap for `e` (if any) from `device` listening on `source`. */
  send(device: SimDevice, source: string, e: SimDeviceEvent): void {
    const trap = trapFor(e);
    if (!trap) return;
    for (const r of this.receivers) {
      const s = this.session(device.device.name, source, r);
      if (!s) continue;
      s.trap(trap.oid, trap.varbinds, { upTime: device.uptimeTicks() }, (err) => {
        if (err) this.failed++;
        else this.sent++;
      });
    }
  }

  private session(name: string, source: string, r: TrapReceiver): SnmpTrapSession | undefined {
    const key = `${name}|${r.host}:${r.port}|${r.version}`;
    let s = this.sessions.get(key);
    if (s) return s;
    const options = { port: 161, trapPort: r.port, sourceAddress: source, version: r.version === "3" ? snmp.Version3 : snmp.Version2c };
    if (r.version === "3") {
      if (!this.user) return undefined;
      const u = this.user;
      s = snmp.createV3Session(r.host, { name: u.user, level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha, authKey: u.authKey, privProtocol: snmp.PrivProtocols.aes, privKey: u.privKey }, options);
    } else s = snmp.createSession(r.host, this.community, options);
    s.on("error", () => {
      this.failed++;
    });
    this.sessions.set(key, s);
    return s;
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}
