import ipaddr from "ipaddr.js";
import type { Inventory } from "./inventory.schema.ts";

/**
 * Deterministic allocation from the IP plan: the lowest free prefix of a given length in a
 * pool, the lowest free VLAN in a range. Same inventory in, same answer out, so a Pulumi
 * preview and the control plane agree on what a new link gets.
 */
export class PrefixAllocator {
  private readonly base: bigint;
  private readonly poolSize: bigint;
  private readonly step: bigint;
  private readonly bits: number;
  private readonly used = new Set<bigint>();
  private cursor = 0n;

  constructor(
    readonly pool: string,
    readonly prefixLength: number,
  ) {
    const [addr, len] = ipaddr.parseCIDR(pool);
    this.bits = addr.kind() === "ipv4" ? 32 : 128;
    if (prefixLength < len || prefixLength > this.bits) throw new RangeError(`cannot cut /${prefixLength} prefixes from ${pool}`);
    this.base = toBigInt(addr) & ~((1n << BigInt(this.bits - len)) - 1n);
    this.poolSize = 1n << BigInt(this.bits - len);
    this.step = 1n << BigInt(this.bits - prefixLength);
  }

  /** Marks a prefix (or any address inside one) as taken; prefixes outside the pool are ignored. */
  claim(cidrOrAddress: string): void {
    const addr = cidrOrAddress.includes("/") ? ipaddr.parseCIDR(cidrOrAddress)[0] : ipaddr.parse(cidrOrAddress);
    if ((addr.kind() === "ipv4" ? 32 : 128) !== this.bits) return;
    const offset = toBigInt(addr) - this.base;
    if (offset < 0n || offset >= this.poolSize) return;
    this.used.add(offset / this.step);
  }

  /** The lowest free prefix, claimed; throws when the pool is exhausted. */
  next(): string {
    const slots = this.poolSize / this.step;
    for (let i = this.cursor; i < slots; i++) {
      if (this.used.has(i)) continue;
      this.used.add(i);
      this.cursor = i + 1n;
      return `${fromBigInt(this.base + i * this.step, this.bits)}/${this.prefixLength}`;
    }
    throw new RangeError(`pool ${this.pool} has no free /${this.prefixLength} left`);
  }
}

/** Next free VLAN in `range` not used by any link touching one of `devices`. */
export function nextFreeVlan(inv: Pick<Inventory, "links" | "ipPlan">, devices: readonly string[]): number {
  const used = new Set<number>();
  for (const l of inv.links) if (devices.includes(l.a.device) || devices.includes(l.b.device)) used.add(l.vlan);
  for (let v = inv.ipPlan.linkVlans.from; v <= inv.ipPlan.linkVlans.to; v++) if (!used.has(v)) return v;
  throw new RangeError(`no free VLAN in ${inv.ipPlan.linkVlans.from}-${inv.ipPlan.linkVlans.to} on ${devices.join(", ")}`);
}

/** Addressing for a new metro link between two devices: the next /31, /127 and VLAN. */
export function allocateLink(inv: Pick<Inventory, "links" | "ipPlan">, a: string, b: string): { ipv4: string; ipv6?: string; vlan: number } {
  const v4 = new PrefixAllocator(inv.ipPlan.pointToPoint.ipv4, 31);
  for (const l of inv.links) v4.claim(l.ipv4);
  const result: { ipv4: string; ipv6?: string; vlan: number } = { ipv4: v4.next(), vlan: nextFreeVlan(inv, [a, b]) };
  if (inv.ipPlan.pointToPoint.ipv6 !== undefined) {
    const v6 = new PrefixAllocator(inv.ipPlan.pointToPoint.ipv6, 127);
    for (const l of inv.links) if (l.ipv6 !== undefined) v6.claim(l.ipv6);
    result.ipv6 = v6.next();
  }
  return result;
}

function toBigInt(addr: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let n = 0n;
  for (const byte of addr.toByteArray()) n = (n << 8n) | BigInt(byte);
  return n;
}

function fromBigInt(n: bigint, bits: number): string {
  const bytes: number[] = [];
  for (let i = bits / 8 - 1; i >= 0; i--) bytes.push(Number((n >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}
