/**
 * The registry of collector kinds (STYLE.md rule 2): one collector per Target kind. Kinds whose
 * implementation is not part of this build (ssh) are absent; their targets are reported and
 * not scheduled.
 */
import type { SchedulableCollector } from "../scheduler.ts";
import { PrometheusScraper } from "../prometheus/scraper.ts";
import { createHttpFetcher } from "../prometheus/http-fetcher.ts";
import type { ProbeModule } from "../probes/probe-registry.ts";
import { SnmpCollector, type SnmpCollectorDeps } from "../snmp/snmp-collector.ts";
import { ProbeCollector } from "./probe.collector.ts";

export interface CollectorDeps {
  snmp: SnmpCollectorDeps;
  probeModules: ReadonlyMap<string, ProbeModule>;
}

/** Builds every collector this agent can run, by target kind. */
export function createCollectors(deps: CollectorDeps): { byKind: Map<string, SchedulableCollector>; snmp: SnmpCollector; scrape: PrometheusScraper } {
  const snmp = new SnmpCollector(deps.snmp);
  const scrape = new PrometheusScraper({ fetch: createHttpFetcher() });
  const byKind = new Map<string, SchedulableCollector>([
    ["snmp", snmp as unknown as SchedulableCollector],
    ["probe", new ProbeCollector(deps.probeModules) as unknown as SchedulableCollector],
    ["scrape", scrape as unknown as SchedulableCollector],
  ]);
  return { byKind, snmp, scrape };
}
