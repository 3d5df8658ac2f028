import type { Socket as NetSocket } from "node:net";
import { io as connect, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type Harness } from "./control-plane-harness.ts";

/**
 * Live fan-out with a client that stops reading (its TCP socket paused, as a frozen browser
 * tab behaves): the healthy client still gets every message of a burst, the stalled one is
 * skipped once its queue is full, and the skips are counted.
 */
describe("live /console with a stalled client", () => {
  let h: Harness;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    h = await startHarness("127.50.0.6", "sqlite", { maxQueuedPerClient: 50 });
  });
  afterAll(async () => {
    for (const s of sockets) s.disconnect();
    await h?.close();
  });

  async function subscriber(): Promise<Socket> {
    const s = connect(`${h.url}/console`, { auth: { token: h.agentToken }, transports: ["websocket"], reconnection: false, forceNew: true });
    sockets.push(s);
    await new Promise<void>((res, rej) => (s.once("connect", () => res()), s.once("connect_error", rej)));
    await s.timeout(2000).emitWithAck("subscribe", { topics: ["events"] });
    return s;
  }

  it("delivers a whole burst to the healthy client and skips the stalled one, counting the skips", async () => {
    const healthy = await subscriber();
    const stalled = await subscriber();
    // Reach the stalled client's TCP socket through socket.io-client → engine.io-client → ws.
    const tcp = (stalled.io.engine as unknown as { transport: { ws: { _socket: NetSocket } } }).transport.ws._socket;
    tcp.pause();

    const count = 600;
    const big = "x".repeat(16 * 1024);
    const got: number[] = [];
    const all = new Promise<void>((res) => healthy.on("events", (e: { n: number }) => (got.push(e.n), got.length === count && res())));
    // 600 × 16 KiB, one message per turn of the event loop as ingest batches would publish
    // them: far beyond what loopback buffers hold for the stalled client.
    for (let n = 0; n < count; n++) {
      h.cp.bus.publish("events", { n, big });
      await new Promise((r) => setImmediate(r));
    }
    await all;
    expect(got).toEqual(Array.from({ length: count }, (_, n) => n));

    const metrics = await (await fetch(`${h.url}/metrics`)).text();
    const dropped = Number(/cityplane_live_dropped_total (\d+)/.exec(metrics)?.[1]);
    expect(dropped).toBeGreaterThan(0);
    expect(dropped).toBeLessThan(count);
    tcp.resume();
  });
});
