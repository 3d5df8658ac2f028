import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig, type CityplaneConfig } from "../config/config.ts";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import { ensureAdminCredentials } from "../services/auth/admin-credentials.ts";
import { issueAgentToken, loadAgentTokens } from "../services/auth/agent-tokens.ts";
import { buildControlPlane, type ControlPlane, type ControlPlaneDeps } from "../services/server.ts";
import { openStore } from "../services/store/open-store.ts";
import { createTestDatabase } from "../services/store/postgres-test-database.ts";
import type { Store } from "../services/store/store.ts";
import { listingResolver } from "../services/targets/address-resolver.ts";

/** A control plane on a real store, listening on a loopback address of this test block. */
export interface Harness {
  cp: ControlPlane;
  url: string;
  store: Store;
  dataDir: string;
  agentToken: string;
  /** Tokens of the extra agents asked for. */
  extraTokens: Record<string, string>;
  adminPassword: string;
  config: Readonly<CityplaneConfig>;
  databaseUrl?: string;
  close(): Promise<void>;
}

export type Backend = "sqlite" | "postgres";

/** Builds a control plane over the minimal inventory on `host` (a 127.50–53.x.y address) with the given backend. */
export async function startHarness(host: string, backend: Backend, overrides: Partial<ControlPlaneDeps> = {}, extraAgents: string[] = []): Promise<Harness> {
  const dataDir = mkdtempSync(join(tmpdir(), "cityplane-cp-"));
  const pg = backend === "postgres" ? await createTestDatabase("cp_http") : undefined;
  const cfg = loadConfig({ env: { CITYPLANE_DATA_DIR: dataDir, CITYPLANE_HOST: host, CITYPLANE_PORT: "8080", CITYPLANE_INVENTORY: "test/fixtures/inventory/valid-minimal.yaml" }, cwd: process.cwd() });
  if (!cfg.ok) throw new Error(cfg.errors.join("\n"));
  const store = await openStore({ dataDir, databaseUrl: pg?.url });
  const inventory = await loadInventoryOrThrow(cfg.config.inventory);
  const agentToken = await issueAgentToken(dataDir, "agent-1");
  const extraTokens: Record<string, string> = {};
  for (const a of extraAgents) extraTokens[a] = await issueAgentToken(dataDir, a);
  const admin = await ensureAdminCredentials(dataDir);
  const cp = await buildControlPlane({
    config: cfg.config,
    store,
    inventory,
    resolver: listingResolver({ devices: inventory.devices.map((d) => ({ name: d.name, host: host, snmpPort: 1161, sshPort: 2222 })), services: [] }),
    agentTokens: await loadAgentTokens(dataDir),
    admin: admin.stored,
    logger: false,
    ...overrides,
  });
  const url = await cp.listen(host, 0);
  return {
    cp, url, store, dataDir, agentToken, extraTokens, adminPassword: admin.generatedPassword!, config: cfg.config, databaseUrl: pg?.url,
    async close() {
      await cp.close();
      await store.close();
      await pg?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
