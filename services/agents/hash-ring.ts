import { createHash } from "node:crypto";

/** Virtual nodes per agent: enough that shares stay within a few percent of even for a handful of agents. */
export const DEFAULT_VNODES = 160;

function point(key: string): number {
  // First 48 bits of SHA-256: uniform, stable across processes and releases, exact in a double.
  return createHash("sha256").update(key).digest().readUIntBE(0, 6);
}

/**
 * A consistent-hash ring with virtual nodes (Karger et al., 1997): each target belongs to the
 * first agent point clockwise of its own point, so adding or removing an agent moves only the
 * targets of the arc it takes or gives up — about 1/n of them — and nothing else.
 */
export class HashRing {
  private readonly points: { at: number; agent: string }[];

  constructor(agents: readonly string[], vnodes = DEFAULT_VNODES) {
    const pts: { at: number; agent: string }[] = [];
    for (const agent of new Set(agents)) {
      for (let i = 0; i < vnodes; i++) pts.push({ at: point(`${agent}#${i}`), agent });
    }
    // Ties (vanishingly rare at 48 bits) are broken by name so every process agrees.
    this.points = pts.sort((a, b) => a.at - b.at || (a.agent < b.agent ? -1 : a.agent > b.agent ? 1 : 0));
  }

  /** The agent owning `key`, or undefined on an empty ring. */
  owner(key: string): string | undefined {
    if (this.points.length === 0) return undefined;
    const p = point(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]!.at < p) lo = mid + 1;
      else hi = mid;
    }
    return (this.points[lo] ?? this.points[0])!.agent;
  }
}

/** Splits keys among agents: agent → its keys (every agent present, possibly with none). */
export function partition(keys: readonly string[], agents: readonly string[], vnodes = DEFAULT_VNODES): Map<string, string[]> {
  const ring = new HashRing(agents, vnodes);
  const out = new Map<string, string[]>(agents.map((a) => [a, []]));
  for (const k of keys) {
    const owner = ring.owner(k);
    if (owner !== undefined) out.get(owner)!.push(k);
  }
  return out;
}
