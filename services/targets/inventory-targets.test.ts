import { describe, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { targetSchema } from "../../protocol/assignment.schema.ts";
import { listingResolver, managementResolver } from "./address-resolver.ts";
import { targetsFromInventory } from "./inventory-targets.ts";

const minimal = await loadInventoryOrThrow("test/fixtures/inventory/valid-minimal.yaml");
const danang = await loadInventoryOrThrow("inventory/danang.yaml");

describe("targetsFromInventory", () => {
  it("makes the targets the minimal city implies, with modules by role and secret names as auth", () => {
    const targets = targetsFromInventory(minimal, managementResolver);
    const brief = targets.map((t) => {
      switch (t.kind) {
        case "snmp":
          return `${t.id} ${t.host}:${t.port} ${t.auth} ${t.modules.join(",")}`;
        case "ssh":
          return `${t.id} ${t.host}:${t.port} ${t.auth} ${t.driver}`;
        case "probe":
          return `${t.id} ${t.url} ${t.module}`;
        case "scrape":
          return `${t.id} ${t.url} ${t.entity.kind}/${t.entity.name}`;
      }
    });
    expect(brief).toEqual([
      "probe:portal https://portal.example.gov.vn/healthz http_2xx",
      "scrape:service:portal https://portal.example.gov.vn/metrics service/portal",
      "snmp:ar-a 10.10.3.1:161 snmp-ro system,if_mib,lldp",
      "snmp:core-1 10.10.0.1:161 snmp-ro system,if_mib,lldp",
      "snmp:dist-1 10.10.1.1:161 snmp-ro system,if_mib,lldp",
      "ssh:core-1 10.10.0.1:22 ssh-ops ios",
      "ssh:dist-1 10.10.1.1:22 ssh-ops ios",
    ]);
  });

  it("gives every Da Nang device with SNMP credentials one valid snmp target, every service a probe and a scrape", () => {
    const targets = targetsFromInventory(danang, managementResolver);
    for (const t of targets) expect(targetSchema.safeParse(t).success, t.id).toBe(true);
    const withSnmp = danang.devices.filter((d) => d.credentials.snmp !== undefined).length;
    const count = (kind: string) => targets.filter((t) => t.kind === kind).length;
    expect(count("snmp")).toBe(withSnmp);
    expect(count("probe")).toBe(danang.services.length);
    const k8s = danang.devices.filter((d) => d.role === "k8s-node").length;
    expect(count("scrape")).toBe(danang.services.length + k8s);
    expect(new Set(targets.map((t) => t.id)).size).toBe(targets.length);
    const wlc = targets.find((t) => t.kind === "snmp" && t.device.startsWith("dc-wlc"));
    expect(wlc?.kind === "snmp" && wlc.modules).toEqual(["system", "if_mib", "wlc"]);
    const server = targets.find((t) => t.kind === "snmp" && t.device === "dc-k8s-1");
    expect(server?.kind === "snmp" && server.modules).toEqual(["system", "if_mib", "host_resources"]);
  });

  it("takes addresses from a listing and makes no target for what is not listed", () => {
    const resolver = listingResolver({ devices: [{ name: "core-1", host: "127.50.0.1", snmpPort: 16100, sshPort: 22000 }], services: [{ id: "portal", url: "http://127.50.0.9:18080/" }] });
    const ids = targetsFromInventory(minimal, resolver).map((t) => (t.kind === "snmp" || t.kind === "ssh" ? `${t.id}@${t.host}:${t.port}` : `${t.id}@${t.url}`));
    expect(ids).toEqual([
      "probe:portal@http://127.50.0.9:18080/healthz",
      "scrape:service:portal@http://127.50.0.9:18080/metrics",
      "snmp:core-1@127.50.0.1:16100",
      "ssh:core-1@127.50.0.1:22000",
    ]);
  });
});
