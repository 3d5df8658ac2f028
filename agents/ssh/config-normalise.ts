/**
 * Turns the raw text of `show running-config` into the text compared between passes (pure):
 * line endings unified, and lines that change without anyone changing the configuration
 * removed, so a diff means a person or a system really changed something.
 */
import { createHash } from "node:crypto";

/**
 * Lines that differ between two prints of an unchanged configuration (Cisco IOS/IOS-XE and
 * AireOS): timestamps of the last change and save, the byte count, the clock's drift
 * correction, uptime, and the "Building configuration..." banner.
 */
export const VOLATILE_LINES: readonly RegExp[] = [
  /^! Last configuration change at /,
  /^! NVRAM config last updated at /,
  /^! No configuration change since last restart/,
  /^Current configuration : \d+ bytes/,
  /^Building configuration\.\.\./,
  /^Using \d+ out of \d+ bytes/,
  /^ntp clock-period \d+/,
  /uptime is /i,
  /^System Up Time/i,
];

/** The configuration text as compared between passes. */
export function normaliseConfig(raw: string): string {
  const lines = raw
    .replace(/\r\n?/g, "\n")
    .split("\n")
    .map((l) => l.replace(/\s+$/, ""))
    .filter((l) => !VOLATILE_LINES.some((re) => re.test(l)));
  while (lines.length > 0 && lines[0] === "") lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}

/** SHA-256 of a normalised configuration, hex. */
export function configHash(normalised: string): string {
  return createHash("sha256").update(normalised).digest("hex");
}
