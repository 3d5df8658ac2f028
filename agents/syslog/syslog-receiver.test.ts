import { createSocket } from "node:dgram";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MemorySink } from "../sink.ts";
import { SyslogFramer } from "./syslog-framing.ts";
import { parseSyslog } from "./syslog-parser.ts";
import { SyslogReceiver } from "./syslog-receiver.ts";

const HOST = "127.30.2.1";
const NOW = Date.UTC(2026, 10, 21, 8, 0, 0);

describe("syslog parsing", () => {
  it.each([
    ["<34>1 2026-11-21T07:59:01.003Z core-01 sshd 4242 ID47 - Failed password for admin from 10.10.3.4 port 5022 ssh2", { format: "rfc5424", facility: 4, severity: 2, hostname: "core-01", app: "sshd", msgId: "ID47", ts: Date.UTC(2026, 10, 21, 7, 59, 1, 3) }],
    ['<165>1 2026-11-21T07:59:01Z wlc-01 app - - [exampleSDID@32473 iut="3" eventSource="App"] \uFEFFhello', { format: "rfc5424", message: "hello", hostname: "wlc-01" }],
    ["<189>52: *Nov 21 07:58:59.123: %SYS-5-CONFIG_I: Configured from console by netops on vty0 (10.10.0.9)", { format: "rfc3164", facility: 23, severity: 5, ts: Date.UTC(2026, 10, 21, 7, 58, 59) }],
    ["<13>Nov 21 07:00:00 srv-01 kernel: eth0: Link is Down", { format: "rfc3164", hostname: "srv-01", app: "kernel", message: "eth0: Link is Down" }],
    ["<13>Dec 31 23:59:59 srv-01 cron[12]: job", { ts: Date.UTC(2025, 11, 31, 23, 59, 59), app: "cron" }],
  ])("%s", (text, expected) => {
    expect(parseSyslog(text, NOW)).toMatchObject(expected);
  });
  it.each(["no pri", "<999>1 - - - - - -", ""])("rejects %j", (text) => expect(parseSyslog(text, NOW)).toBeUndefined());

  it("frames octet-counted and LF-terminated messages split across chunks, skipping oversize ones", () => {
    const f = new SyslogFramer(100);
    const out = [...f.push(Buffer.from("11 <13>hello w")), ...f.push(Buffer.from("<14>plain line\n300 ")), ...f.push(Buffer.alloc(300, 65)), ...f.push(Buffer.from("5 <1>ok"))];
    expect(out).toEqual([{ frame: "<13>hello w" }, { frame: "<14>plain line" }, { oversize: true }, { frame: "<1>ok" }]);
  });
});

describe("syslog receiver over real UDP and TCP", () => {
  let r: SyslogReceiver;
  const sink = new MemorySink();
  const dropped: string[] = [];
  let ports: { udp?: number; tcp?: number };
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((res) => setTimeout(res, 20));
  };
  const udp = async (text: string | Buffer) => {
    const s = createSocket("udp4");
    await new Promise((res) => s.send(text, ports.udp, HOST, res));
    s.close();
  };

  beforeAll(async () => {
    r = await SyslogReceiver.start({ agent: "edge-1", udp: { host: HOST, port: 0 }, tcp: { host: HOST, port: 0 }, maxMessageBytes: 1024, rateLimit: { perSecond: 1000, burst: 1000 }, sink, deviceAt: (a) => (a === "127.0.0.1" ? "core-01" : undefined), onDropped: (x) => dropped.push(x), now: () => NOW });
    ports = r.addresses();
  });
  afterAll(async () => r?.close());

  it.each([
    ["<38>Nov 21 07:59:00 core-01 %SEC_LOGIN-4-LOGIN_FAILED: Login failed [user: admin] [Source: 10.10.9.9] [localport: 22] at 07:59:00", { type: "login-failed", security: true, attributes: { user: "admin", sourceAddress: "10.10.9.9" } }],
    ["<189>52: *Nov 21 07:58:59.123: %SYS-5-CONFIG_I: Configured from console by netops on vty0 (10.10.0.9)", { type: "config-changed", security: true, attributes: { user: "netops", sourceAddress: "10.10.0.9" } }],
    ["<187>Nov 21 07:58:00 core-01 %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down", { type: "interface-state", severity: "major", attributes: { interface: "GigabitEthernet0/1", state: "down" } }],
  ])("UDP %s becomes a structured event tied to the device", async (text, expected) => {
    const before = sink.eventLog.length;
    await udp(text);
    await until(() => sink.eventLog.length > before);
    expect(sink.eventLog.at(-1)).toMatchObject({ ...expected, kind: "syslog", source: "127.0.0.1", entity: { kind: "device", name: "core-01" } });
  });

  it("reads octet-counted and newline-framed messages over TCP, drops oversize and junk, keeps going", async () => {
    const before = sink.eventLog.length;
    const sock = connect(ports.tcp as number, HOST);
    await new Promise((res) => sock.once("connect", res));
    const a = "<34>1 2026-11-21T07:59:01Z srv-01 sshd 1 - - Invalid user oracle from 10.10.7.7 port 4000";
    sock.write(`${Buffer.byteLength(a)} ${a}`);
    sock.write(`2000 ${"x".repeat(2000)}`);
    sock.write("<13>Nov 21 07:00:00 srv-01 kernel: eth1: Link is Up\n");
    sock.write("garbage without pri\n");
    await until(() => sink.eventLog.length >= before + 2);
    sock.destroy();
    expect(sink.eventLog.slice(before).map((e) => e.type)).toEqual(["login-failed", "interface-state"]);
    expect(dropped).toEqual(expect.arrayContaining(["too_large", "malformed"]));
  });

  it("drops oversize UDP datagrams and survives binary junk", async () => {
    const before = dropped.length;
    await udp(Buffer.alloc(2000, 0x41));
    await udp(Buffer.from([0xff, 0x00, 0x3c]));
    await until(() => dropped.length >= before + 2);
    expect(dropped.slice(before).sort()).toEqual(["malformed", "too_large"]);
    await udp("<13>Nov 21 07:00:00 srv-01 app: still alive");
    await until(() => sink.eventLog.at(-1)?.attributes.text === "still alive");
    expect(sink.eventLog.at(-1)?.attributes.text).toBe("still alive");
  });
});
