import type { Device, Inventory } from "../inventory/inventory.schema.ts";
import { SimNetwork } from "./model/sim-network.ts";
import { DEFAULT_ADDRESS_PREFIX } from "./sim-addressing.ts";
import { wallSimClock, type SimClock } from "./sim-clock.ts";
import { SIM_COMMUNITY_NAME, simSecrets, type SimCommunitySecret, type SimSnmpV3Secret } from "./sim-credentials.ts";
import { listSimCity, type SimAddressOptions, type SimCityListing } from "./sim-listing.ts";
import { startEgovService, type EgovService } from "./http/egov-service.ts";
import { startNodeExporter, type NodeExporter } from "./http/node-exporter.ts";
import { simCertificate } from "./http/tls-cert.ts";
import { applyAction } from "./scenario/scenario-executor.ts";
import { ScenarioRunner } from "./scenario/scenario-runner.ts";
import type { Scenario } from "./scenario/scenario.schema.ts";
import { SyslogSender } from "./syslog/syslog-sender.ts";
import { TrapSender } from "./traps/trap-sender.ts";
import { startDeviceRuntime, type DeviceRuntime, type DeviceRuntimeOptions } from "./device-runtime.ts";

export { listSimCity };
export type { SimCityListing, SimDeviceInfo, SimServiceInfo, SimNodeInfo } from "./sim-listing.ts";

/** Options of the running city (addresses as for the listing, plus what it talks to). */
export interface SimCityOptions extends SimAddressOptions {
  trapReceivers?: { host: string; port: number; version: "2c" | "3" }[];
  syslogCollectors?: { host: string; port: number; transport: "udp" | "tcp"; format: "rfc5424" | "rfc3164" }[];
  /** Time acceleration (1 = real time). */
  speed?: number;
  /** Start the eGov services and node exporters (default true). */
  services?: boolean;
  /** Faults to play (see sim/scenarios/default.yaml); none when absent. */
  scenario?: Scenario;
  /** Where the scenario reports what it does and what failed. */
  onScenarioLog?: (line: string) => void;
  /** OpenSSH public keys (authorized_keys lines) accepted on every device's SSH account. */
  sshAuthorizedKeys?: string[];
  /** Replace the wall clock (tests). */
  clock?: SimClock;
}

/** A running simulated city. */
export interface SimCity {
  listing: SimCityListing;
  network: SimNetwork;
  clock: SimClock;
  /** Running eGov services by id (faults can be set on them). */
  services: Map<string, EgovService>;
  /** Running node exporters by k8s node name. */
  nodes: Map<string, NodeExporter>;
  /** The scenario being played, if any. */
  scenario?: ScenarioRunner;
  /** Powers a running device off or on (a reboot: startup config, counters from zero, coldStart trap). */
  setDevicePower(name: string, on: boolean): Promise<void>;
  /** Cuts a link (both ends go down, linkDown traps) or repairs it. */
  setLinkCut(link: string, cut: boolean): void;
  stop(): Promise<void>;
}

/** Runs `fn` over items with at most `limit` in flight (binding 150 sockets at once is pointless). */
async function inBatches<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

/** Brings up the simulated city: one SNMP agent per device on its own loopback address. */
export async function startSimCity(inventory: Inventory, opts: SimCityOptions): Promise<SimCity> {
  const clock = opts.clock ?? wallSimClock(opts.speed ?? 1);
  const listing = listSimCity(inventory, opts);
  const network = new SimNetwork(inventory, clock, opts.seed);
  const secrets = simSecrets(opts.seed, inventory);
  const community = (secrets[SIM_COMMUNITY_NAME] as SimCommunitySecret).community;
  const closers: (() => Promise<void>)[] = [];
  const services = new Map<string, EgovService>();
  const powered = new Map<string, { options: DeviceRuntimeOptions; running?: DeviceRuntime }>();
  /** Powers a device off (SNMP and SSH go silent) or on (it reboots: startup config, counters from zero, coldStart). */
  const setDevicePower = async (name: string, on: boolean): Promise<void> => {
    const p = powered.get(name);
    if (!p) throw new Error(`device "${name}" is not running in this simulated city`);
    if (!on && p.running) {
      const r = p.running;
      p.running = undefined;
      await r.close();
      network.setPowered(name, false);
    } else if (on && !p.running) {
      p.options.device.reboot();
      p.running = await startDeviceRuntime(p.options);
      p.options.device.report({ type: "cold-start" });
      network.setPowered(name, true);
    }
  };
  const trapV3User = Object.values(secrets).find((s): s is SimSnmpV3Secret => s.kind === "snmp-v3");
  const traps = new TrapSender(opts.trapReceivers ?? [], community, trapV3User);
  const syslog = new SyslogSender(opts.syslogCollectors ?? []);
  closers.push(async () => {
    traps.close();
    syslog.close();
  });
  const nodes = new Map<string, NodeExporter>();
  const stop = async (): Promise<void> => {
    const all = closers.splice(0).reverse();
    await Promise.allSettled(all.map((c) => c()));
  };
  try {
    const picked = new Set(listing.devices.map((d) => d.name));
    const devices: Device[] = inventory.devices.filter((d) => picked.has(d.name));
    const info = new Map(listing.devices.map((d) => [d.name, d]));
    const runtime = (d: Device): DeviceRuntimeOptions | undefined => {
      const i = info.get(d.name);
      if (!i) return undefined;
      const users = d.credentials.snmp ? [secrets[d.credentials.snmp]].filter((s): s is SimSnmpV3Secret => s?.kind === "snmp-v3") : [];
      return { device: network.device(d.name), network, inventory, seed: opts.seed, info: i, community, users, authorizedKeys: opts.sshAuthorizedKeys ?? [] };
    };
    await inBatches(devices, 32, async (d) => {
      const o = runtime(d);
      if (!o) return;
      o.device.on("event", (e) => {
        // A device without power says nothing; its neighbours report the links it took down.
        if (!powered.get(d.name)?.running) return;
        traps.send(o.device, o.info.snmp.host, e);
        syslog.send(o.device, o.info.snmp.host, e);
      });
      powered.set(d.name, { options: o, running: await startDeviceRuntime(o) });
    });
    closers.push(async () => {
      await Promise.allSettled([...powered.values()].map((p) => p.running?.close()));
    });
    if (opts.services ?? true) {
      const tlsServices = inventory.services.filter((s) => s.tls);
      await inBatches(inventory.services.map((s, k) => ({ s, info: listing.services[k] })), 8, async ({ s, info }) => {
        if (!info) return;
        const url = new URL(info.url);
        // The last TLS service runs on a certificate about to expire, for the expiry alert.
        const days = s === tlsServices[tlsServices.length - 1] ? 5 : 365;
        const tls = s.tls ? await simCertificate(new URL(s.url).hostname, url.hostname, new Date(clock.nowMs() - 86_400_000), days + 1) : undefined;
        const svc = await startEgovService({ service: s, host: url.hostname, port: Number(url.port), tls, clock, seed: opts.seed });
        services.set(s.id, svc);
        closers.push(svc.close);
      });
      for (const n of listing.nodes) {
        const url = new URL(n.metricsUrl);
        const exp = await startNodeExporter({ name: n.name, host: url.hostname, port: Number(url.port), clock, seed: opts.seed, bootMs: network.device(n.name).bootMs });
        nodes.set(n.name, exp);
        closers.push(exp.close);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  let scenario: ScenarioRunner | undefined;
  if (opts.scenario) {
    const prefix = opts.addressPrefix ?? DEFAULT_ADDRESS_PREFIX;
    const target = { network, listing, services, nodes, seed: opts.seed, attackerAddress: `${prefix}.254.66`, setDevicePower };
    const runner = new ScenarioRunner(opts.scenario, clock, (a) => applyAction(target, a), clock.nowMs(), opts.onScenarioLog);
    runner.start();
    // Stopped first: a brute force still running must finish before the SSH servers close.
    closers.push(() => runner.stop());
    scenario = runner;
  }
  return {
    scenario,
    listing,
    network,
    services,
    nodes,
    clock,
    setLinkCut: (link, cut) => network.setLinkCut(link, cut),
    setDevicePower,
    stop,
  };
}
