/**
 * Traffic as a function of time, not of timers: a counter's value is the integral of a rate
 * evaluated when a request arrives, so 150 idle devices cost nothing between polls.
 *
 * rate(t) = full · (base + diurnal·sin(2πt/day + φ) + wobble·sin(2πt/P + ψ)), with
 * base > diurnal + wobble so the rate is never negative and counters only grow.
 */

const DAY_SECONDS = 86_400;
const TWO_PI = 2 * Math.PI;

/** One direction of one interface. */
export interface TrafficProfile {
  /** Octets per second at 100 % utilisation (bandwidth / 8). */
  fullOctetsPerSecond: number;
  /** Mean utilisation, 0..1. */
  base: number;
  /** Day/night swing around the mean. */
  diurnal: number;
  /** Phase of the daily sine, radians (peak in the early afternoon, local time). */
  phase: number;
  /** A shorter seeded oscillation so two polls a minute apart do not see a straight line. */
  wobble: number;
  wobblePeriodSeconds: number;
  wobblePhase: number;
}

/** Octets carried from the epoch to `tSeconds` (epoch seconds): the integral of the rate. */
export function octetsAt(p: TrafficProfile, tSeconds: number): number {
  const w1 = TWO_PI / DAY_SECONDS;
  const w2 = TWO_PI / p.wobblePeriodSeconds;
  return (
    p.fullOctetsPerSecond *
    (p.base * tSeconds +
      (p.diurnal / w1) * (Math.cos(p.phase) - Math.cos(w1 * tSeconds + p.phase)) +
      (p.wobble / w2) * (Math.cos(p.wobblePhase) - Math.cos(w2 * tSeconds + p.wobblePhase)))
  );
}

/** Utilisation (0..1) at `tSeconds`: what the octet counter's slope is there. */
export function utilisationAt(p: TrafficProfile, tSeconds: number): number {
  return p.base + p.diurnal * Math.sin((TWO_PI / DAY_SECONDS) * tSeconds + p.phase) + p.wobble * Math.sin((TWO_PI / p.wobblePeriodSeconds) * tSeconds + p.wobblePhase);
}

/** Phase that puts the daily peak at `peakHourLocal` for a city `utcOffsetHours` east of UTC. */
export function peakPhase(peakHourLocal: number, utcOffsetHours: number): number {
  const peakUtcSeconds = (((peakHourLocal - utcOffsetHours) % 24) + 24) % 24 * 3600;
  return Math.PI / 2 - (TWO_PI * peakUtcSeconds) / DAY_SECONDS;
}

const TWO_64 = 2n ** 64n;
const TWO_32 = 2 ** 32;

/** A non-negative integer as an SNMP Counter64 value: minimal big-endian octets (X.690 §8.3.2). */
export function counter64Buffer(value: bigint): Buffer {
  let v = ((value % TWO_64) + TWO_64) % TWO_64;
  const bytes: number[] = [];
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  // An INTEGER-like encoding whose top bit is set would read as negative: pad with a zero octet.
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/** The 32-bit view of a 64-bit counter: it wraps at 2^32 as RFC 2863 §3.1.6 describes. */
export function counter32(value: bigint): number {
  return Number(value % BigInt(TWO_32));
}
