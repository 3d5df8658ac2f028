/**
 * Syslog message parsing (logic only): RFC 5424 (`<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD MSG`)
 * and the BSD format of RFC 3164 (`<PRI>Mmm dd hh:mm:ss HOST TAG: MSG`), including the
 * Cisco IOS variant with a sequence number and `%FACILITY-SEV-MNEMONIC:` text.
 */

/** A parsed syslog message. */
export interface SyslogMessage {
  format: "rfc5424" | "rfc3164";
  facility: number;
  severity: number;
  /** Milliseconds since the epoch when the message says it happened (falls back to arrival). */
  ts: number;
  hostname?: string;
  app?: string;
  msgId?: string;
  message: string;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const RFC5424 = /^1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]\\]|\\.)*\])+)(?: (.*))?$/s;
const RFC3164 = /^(?:\d+: )?\*?([A-Z][a-z]{2}) +(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(?: [A-Z]{3,4})?:? (?:(\S+) )?(.*)$/s;

/** Parses one message; returns undefined when it is not syslog. `nowMs` supplies the year and a fallback time. */
export function parseSyslog(text: string, nowMs: number): SyslogMessage | undefined {
  const pri = /^<(\d{1,3})>/.exec(text);
  if (pri === null) return undefined;
  const p = Number(pri[1]);
  if (p > 191) return undefined; // RFC 5424 §6.2.1: PRI is at most 191
  const facility = p >> 3;
  const severity = p & 7;
  const rest = text.slice(pri[0].length).replace(/[\r\n]+$/, "");
  const nil = (v: string | undefined) => (v === undefined || v === "-" ? undefined : v);
  const m5 = RFC5424.exec(rest);
  if (m5 !== null) {
    const ts = Date.parse(m5[1] as string);
    const msg = (m5[7] ?? "").replace(/^\uFEFF/, ""); // RFC 5424 §6.4: optional UTF-8 BOM
    return { format: "rfc5424", facility, severity, ts: Number.isFinite(ts) ? ts : nowMs, hostname: nil(m5[2]), app: nil(m5[3]), msgId: nil(m5[5]), message: msg };
  }
  const m3 = RFC3164.exec(rest);
  if (m3 !== null) {
    const now = new Date(nowMs);
    const month = MONTHS.indexOf(m3[1] as string);
    let ts = Date.UTC(now.getUTCFullYear(), month, Number(m3[2]), Number(m3[3]), Number(m3[4]), Number(m3[5]));
    // RFC 3164 has no year: a date in the future means last year (messages across New Year).
    if (ts > nowMs + 86_400_000) ts = Date.UTC(now.getUTCFullYear() - 1, month, Number(m3[2]), Number(m3[3]), Number(m3[4]), Number(m3[5]));
    let host = m3[6];
    let body = m3[7] as string;
    // "HOST TAG: msg" vs "TAG: msg" (no host): a token ending in ':' is the tag.
    if (host !== undefined && host.endsWith(":")) {
      body = `${host} ${body}`;
      host = undefined;
    }
    const tag = /^([A-Za-z0-9_./-]{1,48})(?:\[\d+\])?: ?(.*)$/s.exec(body);
    return { format: "rfc3164", facility, severity, ts: month >= 0 ? ts : nowMs, hostname: host, app: tag?.[1], message: tag ? (tag[2] as string) : body };
  }
  return { format: "rfc3164", facility, severity, ts: nowMs, message: rest };
}
