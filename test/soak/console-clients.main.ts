/**
 * Console clients of the fan-out soak test, in their own process as browsers would be: N
 * socket.io clients on `/console`, logged in with one session token, subscribed to "events".
 * Each event the test posts carries its posting time (`ts`, wall clock, same machine); a client
 * times its receipt against it.
 *
 * Argument: the JSON of `ClientsPlan`. Prints `ready` once every client is connected and
 * subscribed, then `done <JSON of ClientsResult>` once every client has every marked event or
 * the deadline has passed.
 */
import { io as connect, type Socket } from "socket.io-client";

export interface ClientsPlan {
  url: string;
  sessionToken: string;
  clients: number;
  /** Events whose id starts with this are the ones timed. */
  marker: string;
  /** How many marked events will be posted. */
  events: number;
  /** Give up waiting for the rest this long after `ready`. */
  deadlineMs: number;
}

export interface ClientsResult {
  /** Event receipts that arrived, and the deliveries expected (clients × events). */
  received: number;
  expected: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Clients disconnected before the end. */
  disconnected: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

async function main(plan: ClientsPlan): Promise<void> {
  const latencies: number[] = [];
  let disconnected = 0;
  let finish: () => void = () => undefined;
  const allIn = new Promise<void>((r) => (finish = r));
  const expected = plan.clients * plan.events;
  const sockets: Socket[] = [];
  // Connected in groups so a thousand handshakes do not all time out together on a slow machine.
  for (let i = 0; i < plan.clients; i += 50) {
    const group = Array.from({ length: Math.min(50, plan.clients - i) }, () => connect(`${plan.url}/console`, { auth: { token: plan.sessionToken }, transports: ["websocket"], reconnection: false, forceNew: true }));
    sockets.push(...group);
    await Promise.all(group.map((s) => new Promise<void>((res, rej) => (s.once("connect", () => res()), s.once("connect_error", rej)))));
    await Promise.all(
      group.map(async (s) => {
        const ack = (await s.timeout(10_000).emitWithAck("subscribe", { topics: ["events"] })) as { ok: boolean; error?: string };
        if (!ack.ok) throw new Error(`subscribe refused: ${ack.error}`);
      }),
    );
  }
  for (const s of sockets) {
    s.on("events", (batch: { id: string; ts: number }[]) => {
      const now = Date.now();
      for (const e of batch) if (e.id.startsWith(plan.marker)) latencies.push(now - e.ts);
      if (latencies.length === expected) finish();
    });
    s.on("disconnect", () => disconnected++);
  }
  process.stdout.write("ready\n");
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([allIn, new Promise<void>((r) => (timer = setTimeout(r, plan.deadlineMs)))]);
  clearTimeout(timer);
  const sorted = [...latencies].sort((a, b) => a - b);
  const result: ClientsResult = { received: latencies.length, expected, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN, disconnected };
  for (const s of sockets) s.disconnect();
  process.stdout.write(`done ${JSON.stringify(result)}\n`);
}

await main(JSON.parse(process.argv[2] as string) as ClientsPlan);
