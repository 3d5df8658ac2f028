import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { findBinary, freeTcpPort } from "./peers.ts";

describe("findBinary", () => {
  it("finds an executable on PATH", () => {
    expect(findBinary("sh")).toMatch(/\/sh$/);
  });
  it("finds an executable in sbin even when PATH lacks it", () => {
    // ldconfig lives in /usr/sbin or /sbin on Debian.
    expect(findBinary("ldconfig", "/nonexistent")).toMatch(/sbin\/ldconfig$/);
  });
  it("returns undefined for a missing peer", () => {
    expect(findBinary("cityplane-no-such-peer")).toBeUndefined();
  });
});

describe("freeTcpPort", () => {
  it("returns a port that can be bound on the given loopback address", async () => {
    const port = await freeTcpPort("127.60.1.2");
    const srv = createServer();
    await new Promise<void>((resolve, reject) => {
      srv.once("error", reject);
      srv.listen(port, "127.60.1.2", resolve);
    });
    await new Promise((r) => srv.close(r));
    expect(port).toBeGreaterThan(0);
  });
});
