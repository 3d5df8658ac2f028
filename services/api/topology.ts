import type { Link } from "../../inventory/inventory.schema.ts";
import type { CityEvent } from "../../protocol/event.schema.ts";

/** One adjacency between two devices (undirected). */
export interface Adjacency {
  a: string;
  b: string;
  /** The inventory link, when declared. */
  link?: string;
  lastSeenMs?: number;
}

export interface TopologyComparison {
  /** Declared and observed. */
  matched: Adjacency[];
  /** Declared in the inventory, not seen by LLDP. */
  missing: Adjacency[];
  /** Seen by LLDP, not declared (a cable nobody wrote down, or a rogue device). */
  unexpected: Adjacency[];
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * The local and remote device of an observed-topology event: the local device is the event's
 * entity (or `device` attribute), the remote one `remoteDevice` (or LLDP's `lldpRemSysName`).
 */
export function adjacencyOf(e: CityEvent): { local: string; remote: string } | undefined {
  const local = e.entity?.kind === "device" ? e.entity.name : typeof e.attributes.device === "string" ? e.attributes.device : undefined;
  const remoteRaw = e.attributes.remoteDevice ?? e.attributes.lldpRemSysName ?? e.attributes.remoteSysName;
  if (local === undefined || typeof remoteRaw !== "string" || remoteRaw === "") return undefined;
  // LLDP system names may carry a domain (r1.danang.gov.vn); inventory names do not.
  const remote = remoteRaw.split(".")[0]!;
  return { local, remote };
}

/** Declared links vs LLDP observations (events of kind `topology`). */
export function compareTopology(links: readonly Link[], observed: readonly CityEvent[]): TopologyComparison {
  const seen = new Map<string, { a: string; b: string; lastSeenMs: number }>();
  for (const e of observed) {
    if (e.kind !== "topology") continue;
    const adj = adjacencyOf(e);
    if (!adj || adj.local === adj.remote) continue;
    const key = pairKey(adj.local, adj.remote);
    const prev = seen.get(key);
    if (!prev || prev.lastSeenMs < e.ts) seen.set(key, { a: adj.local < adj.remote ? adj.local : adj.remote, b: adj.local < adj.remote ? adj.remote : adj.local, lastSeenMs: e.ts });
  }
  const out: TopologyComparison = { matched: [], missing: [], unexpected: [] };
  const declared = new Set<string>();
  for (const l of links) {
    const key = pairKey(l.a.device, l.b.device);
    declared.add(key);
    const s = seen.get(key);
    if (s) out.matched.push({ a: l.a.device, b: l.b.device, link: l.name, lastSeenMs: s.lastSeenMs });
    else out.missing.push({ a: l.a.device, b: l.b.device, link: l.name });
  }
  for (const [key, s] of seen) if (!declared.has(key)) out.unexpected.push(s);
  return out;
}
