import type { Link } from "../../inventory/inventory.schema.ts";
import type { CityEvent } from "../../protocol/event.schema.ts";

/** One adjacency between two devices (undirected), with the ports LLDP or the inventory name. */
export interface Adjacency {
  a: string;
  aPort?: string;
  b: string;
  bPort?: string;
  /** The inventory link, when declared. */
  link?: string;
  /** When the newest neighbour set reporting it was observed. */
  lastSeenMs?: number;
}

export interface TopologyComparison {
  /** Declared and observed. */
  matched: Adjacency[];
  /** Declared in the inventory, not in any device's current LLDP neighbour set. */
  missing: Adjacency[];
  /** Seen by LLDP, not declared (a cable nobody wrote down, a re-patched port, a rogue device). */
  unexpected: Adjacency[];
  /** Devices whose neighbour set has been observed at all (the rest are unknown, not "missing"). */
  observedDevices: number;
}

/** One LLDP neighbour of a local device. */
export interface Neighbour {
  localPort?: string;
  remote: string;
  remotePort?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** LLDP system names may carry a domain (r1.danang.gov.vn); inventory names do not. */
function hostPart(name: string): string {
  return name.split(".")[0]!;
}

/**
 * The neighbour set a topology event reports for its device (the event's entity). The agent
 * sends the full set, as JSON in `attributes.neighbours` (`[{localPort, remoteSystem,
 * remotePort}]`), whenever it changes; a single `remoteDevice` / `lldpRemSysName` attribute is
 * accepted as a one-neighbour set. Undefined when the event says nothing usable.
 */
export function neighboursOf(e: CityEvent): { device: string; neighbours: Neighbour[] } | undefined {
  if (e.kind !== "topology" || e.entity?.kind !== "device") return undefined;
  const device = e.entity.name;
  const raw = e.attributes.neighbours;
  if (typeof raw === "string") {
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (!Array.isArray(parsed)) return undefined;
    const neighbours: Neighbour[] = [];
    for (const n of parsed as Record<string, unknown>[]) {
      const remote = str(n?.remoteSystem) ?? str(n?.remoteDevice);
      if (remote !== undefined) neighbours.push({ localPort: str(n.localPort), remote: hostPart(remote), remotePort: str(n.remotePort) });
    }
    return { device, neighbours };
  }
  const single = str(e.attributes.remoteDevice) ?? str(e.attributes.lldpRemSysName);
  return single !== undefined ? { device, neighbours: [{ remote: hostPart(single), localPort: str(e.attributes.localPort), remotePort: str(e.attributes.remotePort) }] } : undefined;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/**
 * Declared links vs LLDP: each device's newest topology event is its current neighbour set
 * (`events` newest first, as the store returns them); an adjacency is observed when either
 * end reports it.
 */
export function compareTopology(links: readonly Link[], events: readonly CityEvent[]): TopologyComparison {
  const current = new Map<string, { neighbours: Neighbour[]; ts: number }>();
  for (const e of events) {
    const set = neighboursOf(e);
    if (!set) continue;
    const prev = current.get(set.device);
    if (!prev || prev.ts < e.ts) current.set(set.device, { neighbours: set.neighbours, ts: e.ts });
  }
  const seen = new Map<string, Adjacency>();
  for (const [device, { neighbours, ts }] of current) {
    for (const n of neighbours) {
      if (n.remote === device) continue;
      const key = pairKey(device, n.remote);
      const prev = seen.get(key);
      if (prev && (prev.lastSeenMs ?? 0) >= ts) continue;
      seen.set(key, device < n.remote ? { a: device, aPort: n.localPort, b: n.remote, bPort: n.remotePort, lastSeenMs: ts } : { a: n.remote, aPort: n.remotePort, b: device, bPort: n.localPort, lastSeenMs: ts });
    }
  }
  const out: TopologyComparison = { matched: [], missing: [], unexpected: [], observedDevices: current.size };
  const declared = new Set<string>();
  for (const l of links) {
    const key = pairKey(l.a.device, l.b.device);
    declared.add(key);
    const s = seen.get(key);
    const adj: Adjacency = { a: l.a.device, aPort: l.a.interface, b: l.b.device, bPort: l.b.interface, link: l.name };
    if (s) out.matched.push({ ...adj, lastSeenMs: s.lastSeenMs });
    else out.missing.push(adj);
  }
  for (const [key, s] of seen) if (!declared.has(key)) out.unexpected.push(s);
  return out;
}
