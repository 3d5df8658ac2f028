import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import type { Inventory } from "../../inventory/inventory.schema.ts";
import { startEgovService, type EgovService } from "../../sim/http/egov-service.ts";
import { wallSimClock } from "../../sim/sim-clock.ts";
import { startHarness, type Harness } from "../../test/control-plane-harness.ts";
import { freeTcpPort } from "../../test/peers.ts";
import { startShippingAgent } from "../../test/shipping-agent.ts";

const PREFIX = "127.73";
const SERVICE = "motcua";
// Far above what a loopback health check takes even on a loaded machine, far below the delay added.
const SLOW_ABOVE_MS = 500;
const ADDED_MS = 900;

const danang = await loadInventoryOrThrow("inventory/danang.yaml");
const inventory: Inventory = {
  ...danang,
  services: danang.services.map((s) => (s.id === SERVICE ? { ...s, probe: { ...s.probe, degradedAboveMs: SLOW_ABOVE_MS } } : s)),
};

interface EntityBody {
  observed: { state: string; reason: string };
  states: { state: string; reason?: string }[];
}

/**
 * The whole path with real parts: an eGov service answers HTTP on loopback, an agent probes it
 * and ships remote-write to a control plane on SQLite. Slowed down past its threshold, the
 * service shows degraded in the API with how slow; back to normal, up again.
 */
describe("observed state end to end: a service that answers slowly is degraded, then up when it is fast again", () => {
  let svc: EgovService;
  let h: Harness;
  let agent: { stop(): Promise<void> } | undefined;

  const entity = async (): Promise<EntityBody> => {
    const r = await fetch(`${h.url}/api/v1/entities/service/${SERVICE}`, { headers: { authorization: `Bearer ${h.agentToken}` } });
    expect(r.status).toBe(200);
    return (await r.json()) as EntityBody;
  };

  beforeAll(async () => {
    const host = `${PREFIX}.1.1`;
    const port = await freeTcpPort(host);
    svc = await startEgovService({ service: inventory.services.find((s) => s.id === SERVICE)!, host, port, clock: wallSimClock(), seed: 73 });
    h = await startHarness(`${PREFIX}.255.1`, "sqlite", { inventory });
    // The agent gives a pass 90 % of the interval: 3 s leaves the slowed probe time to succeed on a loaded machine.
    agent = await startShippingAgent({
      url: h.url, token: h.agentToken, dir: h.dataDir, listen: `${PREFIX}.255.2:0`,
      targets: [`- {kind: probe, id: "probe:${SERVICE}", service: ${SERVICE}, url: "http://${host}:${port}/healthz", module: http_2xx, intervalSeconds: 3, timeoutSeconds: 5}`],
    });
  }, 30_000);

  afterAll(async () => {
    await agent?.stop();
    await h?.close();
    await svc?.close();
  });

  it("shows it up, degraded saying how slow while it answers late, and up again, recording each as an interval", async () => {
    await vi.waitFor(async () => expect((await entity()).observed).toMatchObject({ state: "up", reason: "probe succeeded" }), { timeout: 45_000, interval: 250 });

    svc.faults.extraLatencyMs = ADDED_MS;
    await vi.waitFor(async () => expect((await entity()).observed.state).toBe("degraded"), { timeout: 45_000, interval: 250 });
    expect((await entity()).observed.reason).toMatch(new RegExp(`^slow: 3 consecutive probes above ${SLOW_ABOVE_MS} ms, last (9\\d\\d|\\d,\\d{3}) ms$`));

    svc.faults.extraLatencyMs = 0;
    await vi.waitFor(async () => expect((await entity()).observed.state).toBe("up"), { timeout: 45_000, interval: 250 });
    expect((await entity()).states.map((s) => s.state)).toEqual(["up", "degraded", "up"]);
  }, 180_000);
});
