import ipaddr from "ipaddr.js";

/**
 * Where each simulated thing listens. Linux answers on all of 127.0.0.0/8 without configuration,
 * so every device gets its own loopback address derived from its management address: the last two
 * octets of 10.10.a.b are kept and the first two replaced by the prefix (10.10.3.7 → 127.10.3.7).
 * Two simulated cities (or test files) with different prefixes never collide.
 */

/** Default prefix: device 10.10.a.b listens on 127.10.a.b. */
export const DEFAULT_ADDRESS_PREFIX = "127.10";
/** Third octet reserved for eGov services (management addresses never use 10.10.250.x in the IP plan). */
export const SERVICE_OCTET = 250;

/** Checks an address prefix ("127.N") and returns its two octets. */
export function parseAddressPrefix(prefix: string): [number, number] {
  const m = /^127\.(\d{1,3})$/.exec(prefix);
  const second = m ? Number(m[1]) : NaN;
  if (!m || second > 255) throw new Error(`address prefix "${prefix}" must be "127.N" with N in 0..255 (a loopback /16)`);
  return [127, second];
}

/** The loopback address a device with management address `mgmtIpv4` listens on. */
export function deviceAddress(mgmtIpv4: string, prefix = DEFAULT_ADDRESS_PREFIX): string {
  const [a, b] = parseAddressPrefix(prefix);
  if (!ipaddr.IPv4.isValidFourPartDecimal(mgmtIpv4)) throw new Error(`management address "${mgmtIpv4}" is not an IPv4 address`);
  const octets = ipaddr.IPv4.parse(mgmtIpv4).octets;
  const c = octets[2] ?? 0;
  const d = octets[3] ?? 0;
  if (c === SERVICE_OCTET) throw new Error(`management address ${mgmtIpv4}: x.x.${SERVICE_OCTET}.x is reserved for the simulated services`);
  return `${a}.${b}.${c}.${d}`;
}

/** The loopback address of the i-th (0-based) eGov service. */
export function serviceAddress(index: number, prefix = DEFAULT_ADDRESS_PREFIX): string {
  const [a, b] = parseAddressPrefix(prefix);
  if (!Number.isInteger(index) || index < 0 || index > 253) throw new RangeError(`service index ${index} outside 0..253`);
  return `${a}.${b}.${SERVICE_OCTET}.${index + 1}`;
}
