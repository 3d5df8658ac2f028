import { readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, expect, it } from "vitest";
import { describeWithPeers, freeUdpPort, peerPath } from "../../test/peers.ts";
import { MemorySink } from "../sink.ts";
import { UDP_RECEIVE_BUFFER_BYTES } from "../udp-receive-buffer.ts";
import { TrapReceiver } from "./trap-receiver.ts";

const HOST = "127.30.1.1";
const V3 = { username: "trapper", authPassword: "trap-auth-pass", privPassword: "trap-priv-pass" };

describeWithPeers(["snmptrap"], "trap receiver with Debian snmptrap", () => {
  let receiver: TrapReceiver;
  let port: number;
  const sink = new MemorySink();
  const dropped: string[] = [];
  let now = 1_700_000_000_000;

  /** Sends one trap with snmptrap: security arguments, trap OID, then `oid type value` triples. */
  const send = (security: string[], trapOid: string, vbs: string[] = []) => execFileSync(peerPath("snmptrap") as string, [...security, "-Ln", `${HOST}:${port}`, "", trapOid, ...vbs], { env: { ...process.env, MIBS: "" } });
  const V2C = ["-v2c", "-c", "trap-community"];
  const until = async (pred: () => boolean) => {
    for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
  };

  beforeAll(async () => {
    port = await freeUdpPort(HOST);
    receiver = await TrapReceiver.start({
      agent: "edge-1",
      host: HOST,
      port,
      auths: [{ version: "2c", community: "trap-community" }, { version: 3, username: V3.username, securityLevel: "authPriv", authProtocol: "sha", authPassword: V3.authPassword, privProtocol: "aes", privPassword: V3.privPassword, legacy: false }],
      rateLimit: { perSecond: 1, burst: 5 },
      sink,
      deviceAt: (a) => (a === "127.0.0.1" ? "core-01" : undefined),
      onDropped: (r) => dropped.push(r),
      now: () => now,
    });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it.each([
    ["linkDown", "1.3.6.1.6.3.1.1.5.3", ["1.3.6.1.2.1.2.2.1.1.3", "i", "3", "1.3.6.1.2.1.31.1.1.1.1.3", "s", "Gi0/3"], "core-01: interface down (Gi0/3)", false],
    ["linkUp", "1.3.6.1.6.3.1.1.5.4", ["1.3.6.1.2.1.2.2.1.1.3", "i", "3"], "core-01: interface up", false],
    ["authenticationFailure", "1.3.6.1.6.3.1.1.5.5", [], "core-01: SNMP authentication failure", true],
    ["coldStart", "1.3.6.1.6.3.1.1.5.1", [], "core-01: restarted (cold start)", false],
    ["apDisassociated", "1.3.6.1.4.1.14179.2.6.3.8", ["1.3.6.1.4.1.14179.2.2.1.1.3.0", "s", "AP-HaiChau-01"], "core-01: access point disassociated (AP-HaiChau-01)", false],
  ])("v2c %s becomes a structured event tied to the device", async (type, oid, vbs, message, security) => {
    now += 10_000;
    const before = sink.eventLog.length;
    send(V2C, oid, vbs);
    await until(() => sink.eventLog.length > before);
    const e = sink.eventLog.at(-1);
    expect(e).toMatchObject({ kind: "trap", type, message, security, source: "127.0.0.1", entity: { kind: "device", name: "core-01" } });
  });

  it("accepts a v3 authPriv trap from a configured user", async () => {
    now += 10_000;
    const before = sink.eventLog.length;
    send(["-v3", "-e", "0x8000000001020304", "-u", V3.username, "-l", "authPriv", "-a", "SHA", "-A", V3.authPassword, "-x", "AES", "-X", V3.privPassword], "1.3.6.1.6.3.1.1.5.3");
    await until(() => sink.eventLog.length > before);
    expect(sink.eventLog.at(-1)).toMatchObject({ type: "linkDown", attributes: { version: "3" } });
  });

  it.each([
    ["an unknown community", ["-v2c", "-c", "guess"]],
    ["a v3 user with the wrong key", ["-v3", "-e", "0x8000000001020304", "-u", V3.username, "-l", "authPriv", "-a", "SHA", "-A", "wrong-password", "-x", "AES", "-X", V3.privPassword]],
    ["a v3 user with the wrong privacy key", ["-v3", "-e", "0x8000000001020304", "-u", V3.username, "-l", "authPriv", "-a", "SHA", "-A", V3.authPassword, "-x", "AES", "-X", "wrong-priv-pass"]],
  ])("refuses %s and counts it", async (_n, args) => {
    now += 10_000;
    const before = { events: sink.eventLog.length, dropped: dropped.length };
    send(args, "1.3.6.1.6.3.1.1.5.3");
    await until(() => dropped.length > before.dropped);
    expect(dropped.slice(before.dropped)).toEqual(["unauthorised"]);
    expect(sink.eventLog.length).toBe(before.events);
  });

  it("survives junk datagrams and still decodes the next trap", async () => {
    now += 10_000;
    const sock = createSocket("udp4");
    for (const junk of [Buffer.from("junk"), Buffer.from([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]), Buffer.from([0x30, 0x02, 0x02, 0x01])]) await new Promise((r) => sock.send(junk, port, HOST, r));
    sock.close();
    const before = sink.eventLog.length;
    send(V2C, "1.3.6.1.6.3.1.1.5.2");
    await until(() => sink.eventLog.length > before);
    expect(sink.eventLog.at(-1)?.type).toBe("warmStart");
    expect(dropped).toContain("malformed");
  });

  it("asks for a receive buffer that holds a flood's backlog, as large as the kernel allows", () => {
    // Linux caps SO_RCVBUF at net.core.rmem_max and reports twice what it granted; a socket
    // that asks for nothing gets net.core.rmem_default.
    const sysctl = (name: string) => Number(readFileSync(`/proc/sys/net/core/${name}`, "utf8"));
    expect(receiver.receiveBufferBytes).toBeGreaterThan(sysctl("rmem_default"));
    expect(receiver.receiveBufferBytes).toBeGreaterThanOrEqual(Math.min(UDP_RECEIVE_BUFFER_BYTES, sysctl("rmem_max")));
  });

  it("turns a storm into one event and an exact drop count", async () => {
    now += 60_000;
    const before = sink.eventLog.length;
    for (let i = 0; i < 12; i++) send(V2C, "1.3.6.1.6.3.1.1.5.4");
    await until(() => sink.eventLog.length - before >= 6);
    await new Promise((r) => setTimeout(r, 100));
    const storm = sink.eventLog.slice(before);
    expect(storm.filter((e) => e.type === "linkUp")).toHaveLength(5);
    expect(storm.filter((e) => e.type === "trap-storm")).toHaveLength(1);
    now += 10_000;
    send(V2C, "1.3.6.1.6.3.1.1.5.4");
    await until(() => sink.eventLog.some((e) => e.type === "trap-storm-ended"));
    expect(sink.eventLog.find((e) => e.type === "trap-storm-ended")?.attributes.dropped).toBe(7);
  });

  it("ends the storm of a source that floods and then falls silent, with its exact drop count", async () => {
    now += 60_000;
    const before = sink.eventLog.length;
    for (let i = 0; i < 9; i++) send(V2C, "1.3.6.1.6.3.1.1.5.4");
    await until(() => sink.eventLog.slice(before).some((e) => e.type === "trap-storm"));
    await until(() => receiver.storms().get("127.0.0.1") === 4);
    now += 10_000; // quiet for longer than the burst takes to refill; no further trap comes
    await until(() => sink.eventLog.slice(before).some((e) => e.type === "trap-storm-ended"));
    expect(sink.eventLog.slice(before).filter((e) => e.type === "trap-storm-ended").map((e) => e.attributes.dropped)).toEqual([4]);
  });
});
