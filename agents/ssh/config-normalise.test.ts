import { describe, expect, it } from "vitest";
import { configHash, normaliseConfig } from "./config-normalise.ts";

describe("normaliseConfig", () => {
  const body = "hostname r1\n!\ninterface Gi0/0\n ip address 10.10.0.1 255.255.255.0\n!\nend\n";
  const cases: { name: string; raw: string }[] = [
    { name: "IOS header with change and save stamps", raw: `Building configuration...\r\n\r\nCurrent configuration : 1234 bytes\r\n!\r\n! Last configuration change at 10:01:02 ICT Mon Nov 2 2026 by netops\r\n! NVRAM config last updated at 09:00:00 ICT Mon Nov 2 2026 by netops\r\n${body.replace(/\n/g, "\r\n")}` },
    { name: "startup-config byte usage and clock-period", raw: `Using 1234 out of 262144 bytes\n!\n${body.replace("!\nend", "ntp clock-period 17179738\n!\nend")}` },
    { name: "trailing spaces and blank lines", raw: `\n\n!   \n${body.replace("hostname r1", "hostname r1   ")}\n\n` },
  ];
  for (const c of cases) {
    it(`drops what changes by itself: ${c.name}`, () => {
      expect(normaliseConfig(c.raw)).toBe(`!\n${body}`);
    });
  }

  it("keeps real changes and hashes them differently", () => {
    const a = normaliseConfig(body);
    const b = normaliseConfig(body.replace("10.10.0.1", "10.10.0.9"));
    expect(a).not.toBe(b);
    expect(configHash(a)).not.toBe(configHash(b));
    expect(configHash(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
