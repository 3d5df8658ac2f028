import { mkdir } from "node:fs/promises";
import { resolve } from "node:path";
import pino from "pino";
import type { CityplaneConfig } from "../config/config.ts";
import { loadInventoryOrThrow } from "../inventory/inventory.loader.ts";
import type { Inventory } from "../inventory/inventory.schema.ts";
import { listSimCity } from "../sim/sim-city.ts";
import { ensureAdminCredentials } from "./auth/admin-credentials.ts";
import { loadAgentTokens } from "./auth/agent-tokens.ts";
import { buildControlPlane } from "./server.ts";
import { openStore } from "./store/open-store.ts";
import { listingResolver, managementResolver, type AddressResolver } from "./targets/address-resolver.ts";
import { DEFAULT_INTERVALS } from "./targets/inventory-targets.ts";

export interface RunServerOptions {
  config: Readonly<CityplaneConfig>;
  /** Watch the simulated city (addresses from its listing) instead of management addresses. */
  simAddresses?: { addressPrefix?: string };
  /** Where the built console lives (served at `/` when present). */
  consoleDir?: string;
  out: (line: string) => void;
  /** Collection interval for SNMP and scrapes, seconds (default 30). */
  intervalSeconds?: number;
}

/** A running control plane. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** The simulated city's listing, reduced to addresses (its credentials stay out of the server). */
export function simResolver(inventory: Inventory, config: Readonly<CityplaneConfig>, addressPrefix?: string): AddressResolver {
  const listing = listSimCity(inventory, { seed: config.sim.seed, addressPrefix, snmpPort: config.sim.snmpPort, sshPort: config.sim.sshPort });
  const nodes = new Map(listing.nodes.map((n) => [n.name, n.metricsUrl]));
  return listingResolver({
    devices: listing.devices.map((d) => ({ name: d.name, host: d.snmp.host, snmpPort: d.snmp.port, sshPort: d.ssh?.port, metricsUrl: nodes.get(d.name) })),
    services: listing.services.map((s) => ({ id: s.name, url: s.url })),
  });
}

/**
 * `cityplane server`: opens the store, loads the inventory and admin credentials once and the
 * agent tokens from dataDir (re-read whenever `cityplane agent-token` changes them), composes
 * the control plane and listens. Prints the admin password only when it was generated now.
 */
export async function runServer(opts: RunServerOptions): Promise<RunningServer> {
  const { config } = opts;
  const logger = pino({ level: config.log.level, base: { svc: "server" } });
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const inventory = await loadInventoryOrThrow(config.inventory);
  const store = await openStore({ dataDir: config.dataDir, databaseUrl: config.database.url, logger: { info: (m) => logger.info(m), warn: (m) => logger.warn(m) } });
  try {
    const admin = await ensureAdminCredentials(config.dataDir, { password: process.env.CITYPLANE_ADMIN_PASSWORD });
    if (admin.generatedPassword !== undefined) {
      opts.out(`admin credentials generated: user "${admin.username}", password ${admin.generatedPassword}`);
      opts.out(`  (shown only now; stored as a scrypt hash in ${admin.path} — delete that file and restart to set a new one)`);
    }
    const agentTokens = await loadAgentTokens(config.dataDir);
    if (agentTokens.size === 0) logger.warn("no agent tokens in dataDir: no agent can connect or ingest until one is issued (cityplane agent-token issue NAME)");
    const resolver = opts.simAddresses ? simResolver(inventory, config, opts.simAddresses.addressPrefix) : managementResolver;
    const seconds = opts.intervalSeconds ?? DEFAULT_INTERVALS.snmpSeconds;
    const cp = await buildControlPlane({
      config,
      store,
      inventory,
      resolver,
      agentTokens,
      admin: admin.stored,
      logger,
      intervals: { ...DEFAULT_INTERVALS, snmpSeconds: seconds, scrapeSeconds: seconds, scrapeTimeoutSeconds: Math.min(DEFAULT_INTERVALS.scrapeTimeoutSeconds, Math.max(1, seconds / 2)) },
      consoleDir: opts.consoleDir ?? resolve("console/dist"),
    });
    const url = await cp.listen(config.server.host, config.server.port);
    logger.info({ url, targets: cp.assignments.targetCount, devices: inventory.devices.length }, "control plane listening");
    return {
      url,
      async close() {
        await cp.close();
        await store.close();
      },
    };
  } catch (err) {
    await store.close().catch(() => undefined);
    throw err;
  }
}
