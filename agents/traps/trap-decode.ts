/**
 * Decodes an SNMP notification into a structured event (logic only). Standard traps from
 * SNMPv2-MIB / IF-MIB (RFC 3418 §2, RFC 2863 §6) and the controller's AIRESPACE AP traps;
 * anything else becomes a generic "trap" event keeping the trap OID and the varbinds as text.
 * Values are validated and bounded: a trap receiver accepts mutated packets as valid.
 */
import type { CityEvent } from "../../protocol/event.schema.ts";
import { counter64ToNumber } from "../snmp/snmp-decode.ts";
import type { Varbind as NetSnmpVarbind } from "net-snmp";

const SNMP_TRAP_OID = "1.3.6.1.6.3.1.1.4.1.0";
const IF_INDEX = "1.3.6.1.2.1.2.2.1.1.";
const IF_DESCR = "1.3.6.1.2.1.2.2.1.2.";
const IF_NAME = "1.3.6.1.2.1.31.1.1.1.1.";
// AIRESPACE-WIRELESS-MIB: bsnAPName and bsnAPDot3MacAddress columns of bsnAPTable, and
// bsnAPMacAddrTrapVariable (bsnTrapVariable 20), the MAC AireOS puts in its AP traps. The
// trailing dot matters: bsnAPName (.3) is a prefix of bsnAPGroupVlanName (.30).
const AP_NAME = "1.3.6.1.4.1.14179.2.2.1.1.3.";
const AP_MAC = "1.3.6.1.4.1.14179.2.2.1.1.1.";
const AP_MAC_TRAP_VAR = "1.3.6.1.4.1.14179.2.6.2.20";

const KNOWN: Record<string, { type: string; severity: CityEvent["severity"]; security: boolean; what: string }> = {
  "1.3.6.1.6.3.1.1.5.1": { type: "coldStart", severity: "warning", security: false, what: "restarted (cold start)" },
  "1.3.6.1.6.3.1.1.5.2": { type: "warmStart", severity: "warning", security: false, what: "restarted (warm start)" },
  "1.3.6.1.6.3.1.1.5.3": { type: "linkDown", severity: "major", security: false, what: "interface down" },
  "1.3.6.1.6.3.1.1.5.4": { type: "linkUp", severity: "info", security: false, what: "interface up" },
  "1.3.6.1.6.3.1.1.5.5": { type: "authenticationFailure", severity: "warning", security: true, what: "SNMP authentication failure" },
  // bsnTraps = 1.3.6.1.4.1.14179.2.6.3. bsnAPDisassociated (8) and bsnAPIfUp (9) match published
  // trap handlers (NAV's AireOS plugin); bsnAPAssociated (7) and bsnAPIfDown (10) follow the MIB's
  // numbering as recalled, not checked against the MIB text here.
  "1.3.6.1.4.1.14179.2.6.3.7": { type: "apAssociated", severity: "info", security: false, what: "access point associated" },
  "1.3.6.1.4.1.14179.2.6.3.8": { type: "apDisassociated", severity: "major", security: false, what: "access point disassociated" },
  "1.3.6.1.4.1.14179.2.6.3.9": { type: "apIfUp", severity: "info", security: false, what: "access point radio up" },
  "1.3.6.1.4.1.14179.2.6.3.10": { type: "apIfDown", severity: "minor", security: false, what: "access point radio down" },
};

/** A bounded, printable rendering of a varbind value. */
export function varbindText(vb: NetSnmpVarbind): string {
  const v = vb.value;
  let s: string;
  if (typeof v === "number" || typeof v === "string") s = String(v);
  else if (v instanceof Uint8Array) s = vb.type === 70 ? String(counter64ToNumber(v)) : Buffer.from(v).toString("utf8");
  else s = "";
  // Control characters would forge log lines or terminal output (RELIABILITY.md "injection").
  return s.replace(/[\u0000-\u001f\u007f]/g, " ").slice(0, 1024);
}

export interface TrapContext {
  agent: string;
  source: string;
  /** Inventory device at the source address, if known. */
  device?: string;
  tsMs: number;
  seq: number;
  version: "1" | "2c" | "3";
}

/** Builds the event for one notification; returns undefined when it carries no trap OID. */
export function decodeTrap(varbinds: readonly NetSnmpVarbind[], ctx: TrapContext): CityEvent | undefined {
  const trapOid = varbinds.find((vb) => vb.oid === SNMP_TRAP_OID);
  if (trapOid === undefined || typeof trapOid.value !== "string" || !/^\d+(\.\d+)+$/.test(trapOid.value)) return undefined;
  const oid = trapOid.value;
  const known = KNOWN[oid];
  const attributes: Record<string, string | number> = { trapOid: oid, version: ctx.version };
  let subject = "";
  for (const vb of varbinds.slice(0, 64)) {
    if (vb.oid === SNMP_TRAP_OID || vb.oid === "1.3.6.1.2.1.1.3.0") continue;
    const text = varbindText(vb);
    // An ifIndex that is not a whole number (a wrong type or a mutated packet) would be NaN, which
    // the control plane's event schema refuses along with the rest of the batch: kept as text.
    if (vb.oid.startsWith(IF_INDEX) && /^\d{1,15}$/.test(text)) attributes.ifIndex = Number(text);
    else if (vb.oid.startsWith(IF_NAME)) attributes.ifName = subject = text;
    else if (vb.oid.startsWith(IF_DESCR)) attributes.ifDescr = subject ||= text;
    else if (vb.oid.startsWith(AP_NAME)) attributes.apName = subject = text;
    else if (vb.oid.startsWith(AP_MAC) || vb.oid === AP_MAC_TRAP_VAR || vb.oid.startsWith(`${AP_MAC_TRAP_VAR}.`)) attributes.apMac = vb.value instanceof Uint8Array ? [...vb.value].map((b) => b.toString(16).padStart(2, "0")).join(":") : text;
    else if (Object.keys(attributes).length < 40) attributes[`vb.${vb.oid}`.slice(0, 200)] = text;
  }
  const who = ctx.device ?? ctx.source;
  return {
    id: `${ctx.agent}:${ctx.source}:${ctx.tsMs}:${ctx.seq}`.replace(/[^A-Za-z0-9._:-]/g, "_"),
    ts: ctx.tsMs,
    kind: "trap",
    type: known?.type ?? "trap",
    severity: known?.severity ?? "info",
    security: known?.security ?? false,
    agent: ctx.agent,
    source: ctx.source,
    ...(ctx.device !== undefined ? { entity: { kind: "device" as const, name: ctx.device } } : {}),
    message: known ? `${who}: ${known.what}${subject ? ` (${subject})` : ""}` : `${who}: trap ${oid}`,
    attributes,
  };
}
