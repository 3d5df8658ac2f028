import { createHmac } from "node:crypto";
import type { Inventory, SecretRef } from "../inventory/inventory.schema.ts";

/**
 * The simulated city's secrets. Deterministic for a seed (HMAC-SHA256(seed, secret name)), so the
 * agent configuration for `npm start` is generated from the same function the devices use, and
 * nothing is a default password: a different seed gives different secrets.
 */

/** SNMPv3 user with SHA-1 auth and AES-128 privacy (DES fails on Node ≥ 17: OpenSSL dropped it). */
export interface SimSnmpV3Secret {
  kind: "snmp-v3";
  user: string;
  authProtocol: "sha";
  authKey: string;
  privProtocol: "aes";
  privKey: string;
}
export interface SimPasswordSecret {
  kind: "ssh-password";
  username: string;
  password: string;
}
export interface SimCommunitySecret {
  kind: "snmp-community";
  community: string;
}
export interface SimTokenSecret {
  kind: "api-token" | "ssh-key";
  token: string;
}
export type SimSecret = SimSnmpV3Secret | SimPasswordSecret | SimCommunitySecret | SimTokenSecret;

/** The secret names of the default city, used when no inventory is given. */
export const DEFAULT_SECRET_REFS: readonly SecretRef[] = [
  { name: "snmp-v3-netops", kind: "snmp-v3" },
  { name: "ssh-netops", kind: "ssh-password" },
  { name: "ssh-wlc", kind: "ssh-password" },
  { name: "agent-token", kind: "api-token" },
];

/** The v2c community every simulated device accepts (not an inventory secret: v2c is read-only legacy). */
export const SIM_COMMUNITY_NAME = "snmp-community";

/** 24 URL-safe characters derived from the seed and a label. */
export function derive(seed: number, label: string, length = 24): string {
  return createHmac("sha256", `cityplane-sim:${seed}`).update(label).digest("base64url").slice(0, length);
}

function userFrom(name: string, prefix: string, fallback: string): string {
  return name.startsWith(prefix) && name.length > prefix.length ? name.slice(prefix.length) : fallback;
}

/** One secret's value for a seed. */
export function simSecret(seed: number, ref: SecretRef): SimSecret {
  switch (ref.kind) {
    case "snmp-v3":
      return {
        kind: "snmp-v3",
        user: userFrom(ref.name, "snmp-v3-", ref.name),
        authProtocol: "sha",
        authKey: derive(seed, `${ref.name}/auth`),
        privProtocol: "aes",
        privKey: derive(seed, `${ref.name}/priv`),
      };
    case "ssh-password":
      return { kind: "ssh-password", username: userFrom(ref.name, "ssh-", ref.name), password: derive(seed, `${ref.name}/password`) };
    case "snmp-community":
      return { kind: "snmp-community", community: derive(seed, `${ref.name}/community`, 16) };
    case "api-token":
    case "ssh-key":
      return { kind: ref.kind, token: derive(seed, `${ref.name}/token`, 40) };
  }
}

/** Every inventory secret name mapped to its simulated value, plus the v2c community under `snmp-community`. */
export function simSecrets(seed: number, inventory?: Pick<Inventory, "secrets">): Record<string, SimSecret> {
  const refs = inventory?.secrets ?? DEFAULT_SECRET_REFS;
  const out: Record<string, SimSecret> = {};
  for (const ref of refs) out[ref.name] = simSecret(seed, ref);
  out[SIM_COMMUNITY_NAME] ??= simSecret(seed, { name: SIM_COMMUNITY_NAME, kind: "snmp-community" });
  return out;
}
