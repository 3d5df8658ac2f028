import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { loadConfig } from "../../config/config.ts";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { ManualSimClock } from "../../sim/sim-clock.ts";
import { startSimCity, type SimCity, type SimDeviceInfo } from "../../sim/sim-city.ts";
import { freeTcpPort, freeUdpPort } from "../../test/peers.ts";
import { ensureAdminCredentials } from "../auth/admin-credentials.ts";
import { issueAgentToken, loadAgentTokens } from "../auth/agent-tokens.ts";
import { buildControlPlane, type ControlPlane } from "../server.ts";
import { openStore } from "../store/open-store.ts";
import type { Store } from "../store/store.ts";
import { listingResolver } from "../targets/address-resolver.ts";
import { startShippingAgent } from "../../test/shipping-agent.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");
const PREFIX = "127.52";
const LINK = "metro-thach-thang";
const A = "dist-hai-chau";
const B = "ar-thach-thang";

interface EntityBody {
  observed: { state: string; since?: number; reason: string };
  states: { state: string; startMs: number; endMs?: number; reason?: string }[];
}

/**
 * The whole path with real parts: the simulated routers answer SNMP on loopback, an agent
 * polls them and ships remote-write to a control plane on SQLite, and a scenario step cuts the
 * Thach Thang metro circuit and mends it. The API shows the link and its ends down, then up.
 */
describe("observed state end to end: a scenario's link cut is down in the API, then up again", () => {
  const clock = new ManualSimClock(Date.parse("2026-03-02T03:00:00Z"));
  let city: SimCity;
  let store: Store;
  let cp: ControlPlane;
  let url: string;
  let token: string;
  let agent: { stop(): Promise<void> } | undefined;
  let dir: string;

  const entity = async (path: string): Promise<EntityBody> => {
    const r = await fetch(`${url}/api/v1/entities/${path}`, { headers: { authorization: `Bearer ${token}` } });
    expect(r.status).toBe(200);
    return (await r.json()) as EntityBody;
  };
  const stateOf = async (path: string): Promise<string> => (await entity(path)).observed.state;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "cityplane-state-e2e-"));
    city = await startSimCity(inventory, {
      seed: 52,
      addressPrefix: PREFIX,
      snmpPort: await freeUdpPort(`${PREFIX}.1.1`),
      sshPort: await freeTcpPort(`${PREFIX}.1.1`),
      devices: (d) => d.name === A || d.name === B,
      services: false,
      clock,
      scenario: { version: 1, name: "cut and mend", loop: false, period: "10m", steps: [{ action: "link-cut", at: "1m", for: "2m", link: LINK }] },
    });
    const cfg = loadConfig({ env: { CITYPLANE_DATA_DIR: dir, CITYPLANE_HOST: `${PREFIX}.255.1`, CITYPLANE_PORT: "8080" }, cwd: process.cwd() });
    if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
    store = await openStore({ dataDir: dir });
    token = await issueAgentToken(dir, "agent-1");
    cp = await buildControlPlane({
      config: cfg.config, store, inventory,
      resolver: listingResolver({ devices: [], services: [] }),
      agentTokens: await loadAgentTokens(dir),
      admin: (await ensureAdminCredentials(dir)).stored,
      logger: false,
    });
    url = await cp.listen(`${PREFIX}.255.1`, 0);

    const dev = (n: string) => city.listing.devices.find((d) => d.name === n) as SimDeviceInfo;
    agent = await startShippingAgent({
      url, token, dir, listen: `${PREFIX}.255.2:0`,
      targets: [A, B].map((n) => `- {kind: snmp, id: "snmp:${n}", device: ${n}, host: ${dev(n).snmp.host}, port: ${dev(n).snmp.port}, auth: city, modules: [system, if_mib], intervalSeconds: 1}`),
      auths: `\n  city: {version: "2c", community: ${dev(A).snmp.community}}`,
    });
  }, 30_000);

  afterAll(async () => {
    await agent?.stop();
    await cp?.close();
    await store?.close();
    await city?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows the link up, down with the end that saw it while cut, and up once mended, recording each as an interval", async () => {
    await vi.waitFor(async () => expect(await stateOf(`link/${LINK}`)).toBe("up"), { timeout: 20_000, interval: 250 });
    expect(await entity(`device/${A}`)).toMatchObject({ observed: { state: "up", reason: "SNMP poll answered" } });

    clock.advance(60_000);
    city.scenario?.advance();
    await vi.waitFor(async () => expect(await stateOf(`link/${LINK}`)).toBe("down"), { timeout: 15_000, interval: 250 });
    const cut = await entity(`link/${LINK}`);
    expect(cut.observed.reason).toMatch(/^(dist-hai-chau\/GigabitEthernet0\/1\/0\.167|ar-thach-thang\/GigabitEthernet0\/0\/0): ifOperStatus (down|lowerLayerDown)$/);
    await vi.waitFor(async () => expect(await entity(`interface/${encodeURIComponent(`${B}/GigabitEthernet0/0/0`)}`)).toMatchObject({ observed: { state: "down", reason: "ifOperStatus down" } }), { timeout: 5000, interval: 250 });
    // The routers still answer SNMP: a cut circuit is not a device outage.
    expect(await stateOf(`device/${B}`)).toBe("up");

    clock.advance(120_000);
    city.scenario?.advance();
    await vi.waitFor(async () => expect(await stateOf(`link/${LINK}`)).toBe("up"), { timeout: 15_000, interval: 250 });
    const mended = await entity(`link/${LINK}`);
    // Never degraded at start, while one router was polled before the other: a false degraded would dent the link's availability.
    expect(mended.states.map((s) => s.state)).toEqual(["up", "down", "up"]);
    const [down, up] = mended.states.slice(-2);
    expect(down?.endMs).toBe(up?.startMs);
    expect(mended.observed.since).toBe(up?.startMs);
  }, 60_000);
});
