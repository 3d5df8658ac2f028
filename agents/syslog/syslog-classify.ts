/**
 * Turns a parsed syslog message into an event (logic only): login failures with the source
 * address, configuration changes with the user, interface state — in the wording of IOS,
 * OpenSSH and Linux — and everything else as a generic syslog event.
 */
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { SyslogMessage } from "./syslog-parser.ts";

const SEVERITY: CityEvent["severity"][] = ["critical", "critical", "critical", "major", "warning", "info", "info", "info"];
const IP = String.raw`(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]{3,39})`;

interface Rule {
  type: string;
  security: boolean;
  severity?: CityEvent["severity"];
  re: RegExp;
  attrs: (m: RegExpExecArray) => Record<string, string>;
}

const RULES: Rule[] = [
  // IOS: %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 10.1.2.3] ...
  { type: "login-failed", security: true, severity: "warning", re: new RegExp(String.raw`LOGIN_FAILED.*?\[user: ([^\]]*)\].*?\[Source: ${IP}\]`), attrs: (m) => ({ user: m[1] ?? "", sourceAddress: m[2] ?? "" }) },
  // OpenSSH: Failed password for (invalid user) admin from 10.1.2.3 port 5555 ssh2
  { type: "login-failed", security: true, severity: "warning", re: new RegExp(String.raw`Failed (?:password|publickey|keyboard-interactive\S*) for (?:invalid user )?(\S+) from ${IP}`), attrs: (m) => ({ user: m[1] ?? "", sourceAddress: m[2] ?? "" }) },
  { type: "login-failed", security: true, severity: "warning", re: new RegExp(String.raw`Invalid user (\S+) from ${IP}`), attrs: (m) => ({ user: m[1] ?? "", sourceAddress: m[2] ?? "" }) },
  // IOS: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.2.3)
  { type: "config-changed", security: true, severity: "minor", re: new RegExp(String.raw`CONFIG_I: Configured from (\S+) by (\S+)(?: on (\S+))?(?: \(${IP}\))?`), attrs: (m) => ({ method: m[1] ?? "", user: m[2] ?? "", line: m[3] ?? "", sourceAddress: m[4] ?? "" }) },
  // IOS: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down
  { type: "interface-state", security: false, re: /(?:LINK|LINEPROTO)-\d-UPDOWN: (?:Line protocol on )?Interface ([^,]+), changed state to (up|down|administratively down)/, attrs: (m) => ({ interface: m[1] ?? "", state: m[2] ?? "" }) },
  // Linux: eth0: Link is Down / NIC Link is Up
  { type: "interface-state", security: false, re: /(\S+): (?:NIC )?Link is (Up|Down)/, attrs: (m) => ({ interface: m[1] ?? "", state: (m[2] ?? "").toLowerCase() }) },
];

export interface SyslogContext {
  agent: string;
  source: string;
  device?: string;
  seq: number;
  transport: "udp" | "tcp";
}

/** Builds the event for one message. */
export function classifySyslog(msg: SyslogMessage, ctx: SyslogContext): CityEvent {
  // Control characters would forge log lines downstream (RELIABILITY.md "injection").
  const text = msg.message.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, " ").slice(0, 4000);
  const who = ctx.device ?? msg.hostname ?? ctx.source;
  const base = { id: `${ctx.agent}:${ctx.source}:${msg.ts}:${ctx.seq}`.replace(/[^A-Za-z0-9._:-]/g, "_"), ts: msg.ts, kind: "syslog" as const, agent: ctx.agent, source: ctx.source, ...(ctx.device !== undefined ? { entity: { kind: "device" as const, name: ctx.device } } : {}) };
  const common = { facility: msg.facility, syslogSeverity: msg.severity, format: msg.format, transport: ctx.transport, ...(msg.hostname ? { hostname: msg.hostname.slice(0, 200) } : {}), ...(msg.app ? { app: msg.app } : {}) };
  for (const rule of RULES) {
    const m = rule.re.exec(text);
    if (m === null) continue;
    const attrs = rule.attrs(m);
    const summary = rule.type === "login-failed" ? `login failed for ${attrs.user} from ${attrs.sourceAddress}` : rule.type === "config-changed" ? `configuration changed by ${attrs.user} (${attrs.method})` : `interface ${attrs.interface} ${attrs.state}`;
    const severity = rule.type === "interface-state" ? (attrs.state === "up" ? "info" : "major") : (rule.severity ?? "info");
    return { ...base, type: rule.type, severity, security: rule.security, message: `${who}: ${summary}`, attributes: { ...common, ...attrs, text } };
  }
  return { ...base, type: "message", severity: SEVERITY[msg.severity] ?? "info", security: msg.facility === 4 || msg.facility === 10, message: `${who}: ${text.slice(0, 500)}`, attributes: { ...common, text } };
}
