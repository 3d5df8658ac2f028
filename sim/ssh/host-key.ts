import { createECDH, createHmac, createPrivateKey } from "node:crypto";

/**
 * A device's SSH host key, derived from the seed and the device name: the same city always
 * shows the same host keys, so a client that pinned them keeps trusting the simulator across
 * restarts. ECDSA P-256 in SEC1 PEM, a format ssh2's server reads.
 */
export function simHostKey(seed: number, device: string): string {
  const ecdh = createECDH("prime256v1");
  // Any 32 octets below the group order are a valid private key; an HMAC output is (overwhelmingly).
  const d = createHmac("sha256", `cityplane-sim-hostkey:${seed}`).update(device).digest();
  ecdh.setPrivateKey(d);
  const pub = ecdh.getPublicKey();
  const key = createPrivateKey({
    format: "jwk",
    key: { kty: "EC", crv: "P-256", d: d.toString("base64url"), x: pub.subarray(1, 33).toString("base64url"), y: pub.subarray(33, 65).toString("base64url") },
  });
  return key.export({ type: "sec1", format: "pem" }).toString();
}
