/**
 * The senders of the trap-flood test, in their own process so that pacing 5,000 datagrams a
 * second does not compete with the receiver's event loop. Real SNMPv2c traps (IF-MIB linkDown
 * with ifIndex and ifDescr), encoded once by net-snmp's own trap sender and captured off a
 * local socket, then replayed from one socket per source, each bound to its own address.
 *
 * Argument: the JSON of `FloodPlan`. Prints `ready`, then, after the flood, one closing trap
 * from the flooder (a quiet source is accepted again, which is what ends a storm) and
 * `done <JSON of FloodSent>`.
 */
import { createSocket, type Socket } from "node:dgram";
import * as netSnmp from "net-snmp";

export interface FloodPlan {
  /** Where the trap receiver listens. */
  target: { host: string; port: number };
  community: string;
  /** Address the encoding is captured on (any free address of the test's block). */
  captureHost: string;
  flood: { host: string; perSecond: number };
  normal: { hosts: string[]; perSecond: number };
  seconds: number;
  /** Quiet time after the flood before the flooder's closing trap. */
  pauseMs: number;
}

/** Datagrams handed to the kernel without error, by source address (the closing trap included). */
export interface FloodSent {
  sent: Record<string, number>;
  sendErrors: number;
  /** How long the flood really took (the last datagram of any source), in seconds. */
  floodSeconds: number;
}

const LINK_DOWN = "1.3.6.1.6.3.1.1.5.3";
const IF_INDEX = "1.3.6.1.2.1.2.2.1.1";
const IF_DESCR = "1.3.6.1.2.1.2.2.1.2";

const bind = (host: string): Promise<Socket> =>
  new Promise((resolve, reject) => {
    const s = createSocket("udp4");
    s.once("error", reject);
    s.bind(0, host, () => (s.off("error", reject), resolve(s)));
  });

/** Encodes `count` linkDown traps (ifIndex 1…count, ifDescr `${marker}-${i}`) with net-snmp, capturing what it sends. */
async function encodeTraps(plan: FloodPlan, marker: string, count: number): Promise<Buffer[]> {
  const capture = await bind(plan.captureHost);
  const out: Buffer[] = [];
  const captured = new Promise<void>((resolve) =>
    capture.on("message", (msg) => {
      out.push(msg);
      if (out.length === count) resolve();
    }),
  );
  const session = netSnmp.createSession(plan.captureHost, plan.community, { trapPort: capture.address().port, version: netSnmp.Version2c });
  session.on("error", (err) => {
    throw err;
  });
  // One at a time: the capture keeps them in order, which keeps ifIndex i in datagram i - 1.
  for (let i = 1; i <= count; i++) {
    const n = out.length;
    await new Promise<void>((resolve, reject) =>
      session.trap(LINK_DOWN, [{ oid: `${IF_INDEX}.${i}`, type: netSnmp.ObjectType.Integer, value: i }, { oid: `${IF_DESCR}.${i}`, type: netSnmp.ObjectType.OctetString, value: `${marker}-${i}` }], { upTime: 1000 + i }, (err) => (err ? reject(err) : resolve())),
    );
    while (out.length === n) await new Promise((r) => setImmediate(r));
  }
  await captured;
  session.close();
  capture.close();
  return out;
}

async function main(plan: FloodPlan): Promise<void> {
  const normalEach = Math.round(plan.normal.perSecond * plan.seconds);
  const floodTotal = Math.round(plan.flood.perSecond * plan.seconds);
  const [floodTrap] = await encodeTraps(plan, "flood", 1);
  const normalTraps = await encodeTraps(plan, "normal", normalEach);
  const flooder = await bind(plan.flood.host);
  const normals = await Promise.all(plan.normal.hosts.map(bind));
  const sent: Record<string, number> = Object.fromEntries([plan.flood.host, ...plan.normal.hosts].map((h) => [h, 0]));
  let sendErrors = 0;
  let outstanding = 0;
  const send = (sock: Socket, host: string, msg: Buffer): void => {
    outstanding++;
    sock.send(msg, plan.target.port, plan.target.host, (err) => {
      outstanding--;
      if (err) sendErrors++;
      else sent[host] = (sent[host] ?? 0) + 1;
    });
  };
  process.stdout.write("ready\n");

  // Paced by elapsed time: each tick tops every source up to where its rate says it should be,
  // so the flood is even (about five datagrams a millisecond), not bursts.
  const started = performance.now();
  let flooded = 0;
  const normalSent = plan.normal.hosts.map(() => 0);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const elapsed = (performance.now() - started) / 1000;
      for (const due = Math.min(floodTotal, Math.floor(elapsed * plan.flood.perSecond)); flooded < due; flooded++) send(flooder, plan.flood.host, floodTrap as Buffer);
      plan.normal.hosts.forEach((host, i) => {
        // Sources are offset from each other so that they do not all send on the same tick.
        const due = Math.min(normalEach, Math.floor(elapsed * plan.normal.perSecond + i / plan.normal.hosts.length));
        for (; (normalSent[i] as number) < due; normalSent[i] = (normalSent[i] as number) + 1) send(normals[i] as Socket, host, normalTraps[normalSent[i] as number] as Buffer);
      });
      if (flooded === floodTotal && normalSent.every((n) => n === normalEach)) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  const floodSeconds = (performance.now() - started) / 1000;
  while (outstanding > 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, plan.pauseMs));
  send(flooder, plan.flood.host, floodTrap as Buffer);
  while (outstanding > 0) await new Promise((r) => setTimeout(r, 5));
  for (const s of [flooder, ...normals]) s.close();
  const result: FloodSent = { sent, sendErrors, floodSeconds };
  process.stdout.write(`done ${JSON.stringify(result)}\n`);
}

await main(JSON.parse(process.argv[2] as string) as FloodPlan);
