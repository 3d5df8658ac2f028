import selfsigned from "selfsigned";

/** A self-signed certificate for a simulated service: names its host and loopback address, valid for `days`. */
export async function simCertificate(hostname: string, address: string, notBefore: Date, days: number): Promise<{ key: string; cert: string }> {
  const notAfter = new Date(notBefore.getTime() + days * 86_400_000);
  const pems = await selfsigned.generate([{ name: "commonName", value: hostname }, { name: "organizationName", value: "Da Nang Digital Transformation Centre" }, { name: "countryName", value: "VN" }], {
    keyType: "ec",
    algorithm: "sha256",
    notBeforeDate: notBefore,
    notAfterDate: notAfter,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames: [{ type: 2, value: hostname }, { type: 7, ip: address }] },
    ],
  });
  return { key: pems.private, cert: pems.cert };
}
