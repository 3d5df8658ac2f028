/**
 * Events derived from polled tables, emitted when what is observed changes: LLDP neighbours
 * (observed topology) and rogue access points (security findings). Logic only.
 */
import type { CityEvent } from "../../protocol/event.schema.ts";
import type { SnmpSample } from "./snmp-decode.ts";

/** One LLDP adjacency as seen from the polled device. */
export interface LldpNeighbour {
  localPort: string;
  remoteSystem: string;
  remotePort: string;
}

/** LLDP neighbours from lldpRemSysName samples. */
export function lldpNeighbours(samples: readonly SnmpSample[]): LldpNeighbour[] {
  const out: LldpNeighbour[] = [];
  for (const s of samples) {
    if (s.name !== "lldpRemSysName") continue;
    out.push({ localPort: s.labels.lldpLocPortId ?? s.labels.lldpRemLocalPortNum ?? "", remoteSystem: s.labels.lldpRemSysName ?? "", remotePort: s.labels.lldpRemPortId ?? "" });
  }
  return out.sort((a, b) => a.localPort.localeCompare(b.localPort) || a.remoteSystem.localeCompare(b.remoteSystem));
}

/** Rogue AP MAC addresses (with SSID) from bsnRogueAPState samples. */
export function rogueAps(samples: readonly SnmpSample[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const s of samples) if (s.name === "bsnRogueAPState") out.set(s.labels.bsnRogueAPDot11MacAddress ?? "", s.labels.bsnRogueAPSSID ?? "");
  return out;
}

export interface EventContext {
  agent: string;
  device: string;
  tsMs: number;
  /** Makes ids unique within the pass. */
  seq: () => number;
}

function id(ctx: EventContext, what: string): string {
  return `${ctx.agent}:${ctx.device}:${ctx.tsMs}:${what}:${ctx.seq()}`.replace(/[^A-Za-z0-9._:-]/g, "_").slice(0, 128);
}

/** A topology event describing the full neighbour set of a device (sent when it changes). */
export function topologyEvent(ctx: EventContext, neighbours: readonly LldpNeighbour[]): CityEvent {
  return {
    id: id(ctx, "lldp"),
    ts: ctx.tsMs,
    kind: "topology",
    type: "lldp-neighbours",
    severity: "info",
    security: false,
    agent: ctx.agent,
    entity: { kind: "device", name: ctx.device },
    message: `${ctx.device} sees ${neighbours.length} LLDP neighbour${neighbours.length === 1 ? "" : "s"}`,
    attributes: { neighbours: JSON.stringify(neighbours).slice(0, 64 * 1024), count: neighbours.length },
  };
}

/** A security finding for a rogue AP newly reported by a controller. */
export function rogueApEvent(ctx: EventContext, mac: string, ssid: string): CityEvent {
  return {
    id: id(ctx, "rogue"),
    ts: ctx.tsMs,
    kind: "finding",
    type: "rogue-ap",
    severity: "major",
    security: true,
    agent: ctx.agent,
    entity: { kind: "device", name: ctx.device },
    message: `rogue access point ${mac}${ssid ? ` broadcasting "${ssid}"` : ""} detected by ${ctx.device}`,
    attributes: { mac, ssid },
  };
}
