import { execFile } from "node:child_process";
import { createSocket, type Socket } from "node:dgram";
import fc from "fast-check";
import * as netSnmp from "net-snmp";
import { afterAll, beforeAll, expect, it } from "vitest";
import { eventSchema } from "../../protocol/event.schema.ts";
import { describeWithPeers, freeUdpPort, peerPath } from "../../test/peers.ts";
import { MemorySink } from "../sink.ts";
import { berMutation, mutate } from "../../test/ber-mutations.ts";
import { TrapReceiver, type TrapDropReason } from "./trap-receiver.ts";
import { until } from "../../test/until.ts";

const HOST = "127.70.2.1";
const SENDER = "127.70.2.2";
const COMMUNITY = "fuzz-community";
const V3 = { username: "fuzzer", authPassword: "fuzz-auth-pass", privPassword: "fuzz-priv-pass" };
const ENGINE = "0x80000000010a0b0c";
const REPLAY_ENGINE = "0x80000000010d0e0f";
const LINK_DOWN = "1.3.6.1.6.3.1.1.5.3";
const IF_VARBINDS = ["1.3.6.1.2.1.2.2.1.1.3", "i", "3", "1.3.6.1.2.1.31.1.1.1.1.3", "s", "Gi0/3"];
const v3Args = (bootsTime?: string, engine = ENGINE) => ["-v3", "-e", engine, ...(bootsTime !== undefined ? ["-Z", bootsTime] : []), "-u", V3.username, "-l", "authPriv", "-a", "SHA", "-A", V3.authPassword, "-x", "AES", "-X", V3.privPassword];

/** Runs Debian's snmptrap at `host:port`. */
function snmptrap(security: string[], host: string, port: number, vbs: string[] = IF_VARBINDS): Promise<void> {
  return new Promise((resolve, reject) => execFile(peerPath("snmptrap") as string, [...security, "-Ln", `${host}:${port}`, "", LINK_DOWN, ...vbs], { env: { ...process.env, MIBS: "" } }, (err) => (err ? reject(err) : resolve())));
}


describeWithPeers(["snmptrap"], "trap receiver under mutated and replayed traps from Debian snmptrap", () => {
  let capture: Socket;
  let capturePort: number;
  let receiver: TrapReceiver;
  let port: number;
  const sink = new MemorySink();
  const dropped: TrapDropReason[] = [];
  let received = 0;
  let now = 1_700_000_000_000;
  const failures: unknown[] = [];
  const onFailure = (err: unknown) => failures.push(err);

  /** The datagram snmptrap sends for `security` (captured on a socket of ours). */
  const captured = async (security: string[]): Promise<Buffer> => {
    const got: Buffer[] = [];
    const onMessage = (m: Buffer) => got.push(m);
    capture.on("message", onMessage);
    try {
      await snmptrap(security, SENDER, capturePort);
      await until("snmptrap's datagram", () => got.length > 0);
      return got[0] as Buffer;
    } finally {
      capture.off("message", onMessage);
    }
  };
  /** Sends raw datagrams to the receiver and waits until each was decoded or dropped. */
  const deliver = async (...datagrams: Buffer[]) => {
    const target = received + dropped.length + datagrams.length;
    for (const d of datagrams) await new Promise((r) => capture.send(d, port, HOST, r));
    await until(`an outcome for every datagram (decoded ${received}, dropped ${dropped.length}, want ${target} in all)`, () => received + dropped.length >= target);
    expect(received + dropped.length).toBe(target);
  };

  beforeAll(async () => {
    process.on("uncaughtException", onFailure);
    process.on("unhandledRejection", onFailure);
    capture = createSocket("udp4");
    await new Promise<void>((r) => capture.bind(0, SENDER, r));
    capturePort = capture.address().port;
    port = await freeUdpPort(HOST);
    receiver = await TrapReceiver.start({
      agent: "edge-fuzz",
      host: HOST,
      port,
      auths: [{ version: "2c", community: COMMUNITY }, { version: 3, username: V3.username, securityLevel: "authPriv", authProtocol: "sha", authPassword: V3.authPassword, privProtocol: "aes", privPassword: V3.privPassword, legacy: false }],
      rateLimit: { perSecond: 1e6, burst: 1e6 },
      sink,
      deviceAt: (a) => (a === SENDER ? "fuzz-sw-01" : undefined),
      onReceived: () => received++,
      onDropped: (r) => dropped.push(r),
      now: () => now,
    });
  });
  afterAll(async () => {
    process.off("uncaughtException", onFailure);
    process.off("unhandledRejection", onFailure);
    await receiver?.close();
    capture?.close();
  });

  it("counts every mutated v2c and v3 trap as decoded or dropped, makes no event from a v3 trap that fails authentication, and decodes the next real trap", async () => {
    const originals = { v2c: await captured(["-v2c", "-c", COMMUNITY]), v3: await captured(v3Args("7,5000")) };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("v2c" as const, "v3" as const), berMutation, async (version, m) => {
        const datagram = mutate(originals[version], m);
        const before = sink.eventLog.length;
        await deliver(datagram);
        const events = sink.eventLog.slice(before);
        // Any change to an authPriv message breaks its HMAC: nothing from it may become an event.
        if (version === "v3" && !datagram.equals(originals.v3)) expect(events).toEqual([]);
        // A community-authorised v2c trap may carry anything: its event must still be one the control plane accepts.
        for (const e of events) expect(eventSchema.safeParse(e).error?.issues ?? []).toEqual([]);
      }),
      // Two findings kept as examples: a trap made reportable (msgFlags 0x03 -> 0x07) from an
      // unknown user, which net-snmp answers with a Report instead of calling back (it went
      // uncounted); and an ifIndex varbind whose value became an OID (its event had ifIndex NaN).
      {
        numRuns: 300,
        examples: [
          ["v3", { kind: "bitflips", flips: [{ at: originals.v3.indexOf(Buffer.from([0x04, 0x01, 0x03])) + 2, bit: 2 }, { at: originals.v3.indexOf(V3.username), bit: 0 }] }],
          ["v2c", { kind: "hugeOid", element: 16, arcs: 1, overflow: false }],
        ],
      },
    );
    expect(failures).toEqual([]);
    const before = sink.eventLog.length;
    await snmptrap(v3Args("7,5100"), HOST, port);
    await until("the real trap's event", () => sink.eventLog.length > before);
    expect(sink.eventLog.slice(before)).toEqual([expect.objectContaining({ type: "linkDown", source: "127.0.0.1", attributes: expect.objectContaining({ ifIndex: 3, ifName: "Gi0/3", version: "3" }) })]);
  }, 60_000);

  it("counts an SNMPv3 inform from an unknown user, answered with Reports: its engine discovery probe, then the inform as unauthorised", async () => {
    const before = { received, dropped: dropped.length, events: sink.eventLog.length };
    // snmpinform first probes for the receiver's engine, then sends the inform: two datagrams.
    await expect(new Promise((resolve, reject) => execFile(peerPath("snmpinform") as string, ["-v3", "-u", "stranger", "-l", "authPriv", "-a", "SHA", "-A", V3.authPassword, "-x", "AES", "-X", V3.privPassword, "-r", "0", "-t", "5", "-Ln", `${HOST}:${port}`, "", LINK_DOWN], { env: { ...process.env, MIBS: "" } }, (err) => (err ? reject(err) : resolve(undefined))))).rejects.toThrow(/snmpinform/);
    await until("both datagrams counted", () => dropped.length - before.dropped >= 2);
    expect(dropped.slice(before.dropped)).toEqual(["discovery", "unauthorised"]);
    expect({ received, events: sink.eventLog.length }).toEqual({ received: before.received, events: before.events });
  });

  it("refuses a v3 trap replayed outside the 150 s window or resent byte for byte, with one security event per streak", async () => {
    // Real snmptrap messages, authenticated with the real user; -Z sets the sender's boots,time.
    const trap = (bootsTime: string) => captured(v3Args(bootsTime, REPLAY_ENGINE));
    const captures: Buffer[] = [];
    for (const bootsTime of ["5,1000", "5,950", "5,949", "4,99999", "5,1210"]) captures.push(await trap(bootsTime));
    const [first, olderInWindow, tooOld, lowerBoots, fresh] = captures;
    const t0 = (now += 60_000);
    const step = async (atSeconds: number, datagram: Buffer) => {
      now = t0 + atSeconds * 1000;
      const before = { events: sink.eventLog.length, dropped: dropped.length };
      await deliver(datagram);
      const e = sink.eventLog.slice(before.events).map((x) => x.type);
      return [...e, ...dropped.slice(before.dropped)].join(" ");
    };
    expect(await step(0, first as Buffer)).toBe("linkDown");
    // 100 s later the estimate is 1100: time 950 is inside the window, 949 is not.
    expect(await step(100, olderInWindow as Buffer)).toBe("linkDown");
    expect(await step(100, tooOld as Buffer)).toBe("trap-replay not_in_time_window");
    expect(await step(100, fresh as Buffer)).toBe("linkDown");
    // The same bytes again, inside the window: a copy, refused; one event for the new streak.
    expect(await step(100, fresh as Buffer)).toBe("trap-replay replayed");
    // 200 s after the first trap: the first one replayed is 200 s old; an older boots is refused too.
    expect(await step(200, first as Buffer)).toBe("not_in_time_window");
    expect(await step(200, lowerBoots as Buffer)).toBe("not_in_time_window");
    const replay = sink.eventLog.findLast((e) => e.type === "trap-replay");
    expect(replay).toMatchObject({ security: true, source: "127.70.2.2", entity: { name: "fuzz-sw-01" }, attributes: { engineId: REPLAY_ENGINE.slice(2), reason: "replayed" } });
  });

  it("accepts traps from net-snmp's sender (the simulated city's), which keeps no engine clock, long after the first", async () => {
    // net-snmp sends every v3 trap with boots 0 and time 0 from one engineID per session.
    const session = netSnmp.createV3Session(HOST, { name: V3.username, level: netSnmp.SecurityLevel.authPriv, authProtocol: netSnmp.AuthProtocols.sha, authKey: V3.authPassword, privProtocol: netSnmp.PrivProtocols.aes, privKey: V3.privPassword }, { trapPort: port, sourceAddress: SENDER, version: netSnmp.Version3 });
    session.on("error", onFailure);
    try {
      const before = { events: sink.eventLog.length, dropped: dropped.length };
      for (const after of [0, 200_000, 400_000]) {
        now += after;
        await new Promise<void>((resolve, reject) => session.trap(LINK_DOWN, [], {}, (err) => (err ? reject(err) : resolve())));
        await until("the trap's event", () => sink.eventLog.length > before.events + (after === 0 ? 0 : after === 200_000 ? 1 : 2));
      }
      expect(sink.eventLog.slice(before.events).map((e) => e.type)).toEqual(["linkDown", "linkDown", "linkDown"]);
      expect(dropped.length).toBe(before.dropped);
    } finally {
      session.close();
    }
  });

  it("accepts v3 informs from snmpinform long apart (the receiver is their authoritative engine, its time is not checked)", async () => {
    const before = { events: sink.eventLog.length, dropped: dropped.length };
    for (const after of [0, 200_000]) {
      now += after;
      await new Promise<void>((resolve, reject) => execFile(peerPath("snmpinform") as string, [...v3Args().filter((a, i, all) => a !== "-e" && all[i - 1] !== "-e"), "-r", "0", "-t", "5", "-Ln", `${HOST}:${port}`, "", LINK_DOWN, ...IF_VARBINDS], { env: { ...process.env, MIBS: "" } }, (err) => (err ? reject(err) : resolve())));
      await until("the inform's event", () => sink.eventLog.length > before.events + (after === 0 ? 0 : 1));
    }
    expect(sink.eventLog.slice(before.events).map((e) => e.type)).toEqual(["linkDown", "linkDown"]);
    // Each snmpinform run first probes for the receiver's engine.
    expect(dropped.slice(before.dropped)).toEqual(["discovery", "discovery"]);
  });
});
