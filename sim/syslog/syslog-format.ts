import type { SimDeviceEvent } from "../model/sim-device.ts";

/** Facility local7 (23), where Cisco devices log by default. */
const LOCAL7 = 23;
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** IOS-style messages (%FACILITY-SEVERITY-MNEMONIC: text) for an event, with their severities. */
export function iosMessages(e: SimDeviceEvent, atMs: number): { severity: number; text: string }[] {
  const when = new Date(atMs).toISOString().slice(11, 19);
  switch (e.type) {
    case "cold-start":
      return [{ severity: 5, text: "%SYS-5-RESTART: System restarted --" }];
    case "link": {
      const state = e.up ? "up" : e.adminUp ? "down" : "administratively down";
      return [
        { severity: e.adminUp ? 3 : 5, text: e.adminUp ? `%LINK-3-UPDOWN: Interface ${e.ifName}, changed state to ${state}` : `%LINK-5-CHANGED: Interface ${e.ifName}, changed state to ${state}` },
        { severity: 5, text: `%LINEPROTO-5-UPDOWN: Line protocol on Interface ${e.ifName}, changed state to ${e.up ? "up" : "down"}` },
      ];
    }
    case "login":
      return [{ severity: 5, text: `%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: ${e.user}] [Source: ${e.source}] [localport: 22] at ${when} UTC` }];
    case "auth-failure":
      return e.protocol === "ssh"
        ? [{ severity: 4, text: `%SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: ${e.user ?? ""}] [Source: ${e.source}] [localport: 22] [Reason: Login Authentication Failed] at ${when} UTC` }]
        : [{ severity: 4, text: `%SNMP-3-AUTHFAIL: Authentication failure for SNMP req from host ${e.source}` }];
    case "configured":
      return [{ severity: 5, text: `%SYS-5-CONFIG_I: Configured from console by ${e.user} on vty0 (${e.source})` }];
    case "config-saved":
      return [{ severity: 5, text: `%SYS-5-CONFIG_NV_I: Nonvolatile storage configured from console by ${e.user} on vty0` }];
    case "ap":
      return [{ severity: e.up ? 5 : 3, text: e.up ? `%CAPWAP-5-AP_JOINED: AP ${e.ap} (${e.apMac}) joined the controller` : `%CAPWAP-3-AP_DISASSOCIATED: AP ${e.ap} (${e.apMac}) disassociated: ${e.reason}` }];
  }
}

/** RFC 5424 §6: `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD MSG`. */
export function rfc5424(host: string, severity: number, atMs: number, text: string): string {
  const msgid = /^%([A-Z_]+-\d-[A-Z_]+)/.exec(text)?.[1] ?? "-";
  return `<${LOCAL7 * 8 + severity}>1 ${new Date(atMs).toISOString()} ${host} - - ${msgid} - ${text}`;
}

/** RFC 3164 §4.1 (BSD): `<PRI>Mmm dd hh:mm:ss HOSTNAME MSG`, day padded with a space. */
export function rfc3164(host: string, severity: number, atMs: number, text: string): string {
  const d = new Date(atMs);
  const ts = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${d.toISOString().slice(11, 19)}`;
  return `<${LOCAL7 * 8 + severity}>${ts} ${host} ${text}`;
}
