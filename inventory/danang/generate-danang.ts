/**
 * Generates inventory/danang.yaml, the default city. Run `node bin/run-ts.js
 * inventory/danang/generate-danang.ts`; the output is committed and stable for a given script.
 */
import { writeFileSync } from "node:fs";
import { stringify } from "yaml";
import { PrefixAllocator } from "../ipam.ts";
import type { Device, Hotspot, Inventory, Link, Site, Unit } from "../inventory.schema.ts";
import { AGENCIES, CITY_OFFICE, DEPARTMENTS, DISTRICTS } from "./danang-units.data.ts";
import { SERVICES } from "./danang-services.data.ts";

/** mulberry32: a tiny seeded PRNG so the generated city is the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = rng(20131001);
const jitter = (v: number, spread: number) => Math.round((v + (rand() - 0.5) * spread) * 1e5) / 1e5;

const ADMIN_CENTRE = { lat: 16.0773, lon: 108.2237, address: "24 Trần Phú, Hải Châu, Đà Nẵng" };
const DC = { lat: 16.0679, lon: 108.2208, address: "Trung tâm Dữ liệu thành phố, 02 Quang Trung, Hải Châu, Đà Nẵng" };

/**
 * When a service's health check counts as slow (ms): citizens wait on the public (dmz) ones;
 * the data services answer other services, whose own time adds up; the internal applications
 * serve civil servants heavier pages. All well inside the 5 s probe timeout.
 */
const SLOW_ABOVE_MS = { dmz: 800, data: 1000, app: 1500, management: 1500 } as const;

export function buildDanang(): Inventory {
  const units: Unit[] = [{ id: CITY_OFFICE.id, kind: "city", name: { vi: CITY_OFFICE.vi, en: CITY_OFFICE.en } }];
  const sites: Site[] = [];
  const devices: Device[] = [];
  const links: Link[] = [];
  const hotspots: Hotspot[] = [];

  const mgmt = (third: number, fourth: number) => ({ ipv4: `10.10.${third}.${fourth}`, ipv6: `2001:db8:10:${third}::${fourth.toString(16)}` });
  const p2p4 = new PrefixAllocator("10.255.0.0/16", 31);
  const p2p6 = new PrefixAllocator("2001:db8:ff::/48", 127);
  let nextVlan = 101;
  const link = (name: string, kind: Link["kind"], a: [string, string], b: [string, string], bandwidthMbps: number, sla: string, vlan?: number) => {
    links.push({
      name, kind, a: { device: a[0], interface: a[1] }, b: { device: b[0], interface: b[1] }, bandwidthMbps,
      vlan: vlan ?? nextVlan++, ipv4: p2p4.next(), ipv6: p2p6.next(), sla,
    });
  };
  const router = { snmp: "snmp-v3-netops", ssh: "ssh-netops" };

  // The data centre: two core routers, two firewalls, a spine/leaf fabric, servers, Kubernetes nodes, Wi-Fi controllers.
  sites.push({ id: "dc", unit: "dtic", address: DC.address, lat: DC.lat, lon: DC.lon });
  const dcDevice = (name: string, role: Device["role"], vendor: string, model: string, n: number, uplink?: string, credentials: Device["credentials"] = router) =>
    devices.push({ name, role, vendor, model, site: "dc", mgmt: mgmt(0, n), credentials, uplink, interfaces: [] });
  dcDevice("dc-core-1", "core-router", "Cisco", "ASR1001-X", 1);
  dcDevice("dc-core-2", "core-router", "Cisco", "ASR1001-X", 2, "dc-core-1");
  dcDevice("dc-fw-1", "firewall", "Fortinet", "FortiGate-1800F", 3, "dc-core-1", { snmp: "snmp-v3-netops" });
  dcDevice("dc-fw-2", "firewall", "Fortinet", "FortiGate-1800F", 4, "dc-core-2", { snmp: "snmp-v3-netops" });
  dcDevice("dc-spine-1", "spine", "Cisco", "N9K-C9336C-FX2", 5, "dc-fw-1");
  dcDevice("dc-spine-2", "spine", "Cisco", "N9K-C9336C-FX2", 6, "dc-fw-2");
  for (let i = 1; i <= 4; i++) dcDevice(`dc-leaf-${i}`, "leaf", "Cisco", "N9K-C93180YC-FX", 10 + i, i % 2 ? "dc-spine-1" : "dc-spine-2");
  for (let i = 1; i <= 4; i++) dcDevice(`dc-srv-${i}`, "server", "Dell", "PowerEdge R750", 20 + i, `dc-leaf-${((i - 1) % 4) + 1}`, { snmp: "snmp-v3-netops" });
  for (let i = 1; i <= 6; i++) dcDevice(`dc-k8s-${i}`, "k8s-node", "Dell", "PowerEdge R650", 30 + i, `dc-leaf-${((i - 1) % 4) + 1}`, { snmp: "snmp-v3-netops" });
  dcDevice("dc-wlc-1", "wlc", "Cisco", "AIR-CT5520-K9", 41, "dc-leaf-3", { snmp: "snmp-v3-netops", ssh: "ssh-wlc" });
  dcDevice("dc-wlc-2", "wlc", "Cisco", "AIR-CT5520-K9", 42, "dc-leaf-4", { snmp: "snmp-v3-netops", ssh: "ssh-wlc" });

  link("dc-core-1-fw-1", "datacentre", ["dc-core-1", "TenGigabitEthernet0/0/0"], ["dc-fw-1", "port1"], 10_000, "dc-fabric", 10);
  link("dc-core-2-fw-2", "datacentre", ["dc-core-2", "TenGigabitEthernet0/0/0"], ["dc-fw-2", "port1"], 10_000, "dc-fabric", 10);
  link("dc-core-1-core-2", "datacentre", ["dc-core-1", "TenGigabitEthernet0/0/1"], ["dc-core-2", "TenGigabitEthernet0/0/1"], 10_000, "dc-fabric", 11);
  link("dc-fw-1-spine-1", "datacentre", ["dc-fw-1", "port2"], ["dc-spine-1", "Ethernet1/1"], 40_000, "dc-fabric", 12);
  link("dc-fw-2-spine-2", "datacentre", ["dc-fw-2", "port2"], ["dc-spine-2", "Ethernet1/1"], 40_000, "dc-fabric", 12);
  for (let s = 1; s <= 2; s++) {
    for (let l = 1; l <= 4; l++) link(`dc-spine-${s}-leaf-${l}`, "datacentre", [`dc-spine-${s}`, `Ethernet1/${l + 10}`], [`dc-leaf-${l}`, `Ethernet1/${48 + s}`], 100_000, "dc-fabric", 20 + (s - 1) * 4 + l);
  }

  // Metro circuits are dot1Q sub-interfaces on the core/district trunk ports, untagged at the unit.
  const metro = (unitId: string, parentRouter: string, trunk: string, router: string, bw = 100) => {
    const vlan = nextVlan++;
    link(`metro-${unitId}`, "metro", [parentRouter, `${trunk}.${vlan}`], [router, "GigabitEthernet0/0/0"], bw, "metro-link", vlan);
  };

  // City office, departments and other city units: an access router each, homed on the core routers.
  const cityUnits = [CITY_OFFICE, ...DEPARTMENTS, ...AGENCIES];
  cityUnits.forEach((u, i) => {
    if (u !== CITY_OFFICE) units.push({ id: u.id, kind: DEPARTMENTS.includes(u) ? "department" : "agency", name: { vi: u.vi, en: u.en }, parent: "ubnd" });
    const inAdminCentre = i <= DEPARTMENTS.length;
    const site: Site = inAdminCentre
      ? { id: `site-${u.id}`, unit: u.id, address: `${ADMIN_CENTRE.address} (tầng ${1 + (i % 34)})`, lat: ADMIN_CENTRE.lat, lon: ADMIN_CENTRE.lon }
      : { id: `site-${u.id}`, unit: u.id, address: `${u.vi}, Đà Nẵng`, lat: jitter(16.055, 0.05), lon: jitter(108.205, 0.05) };
    sites.push(site);
    const core = i % 2 === 0 ? "dc-core-1" : "dc-core-2";
    devices.push({ name: `ar-${u.id}`, role: "access-router", vendor: "Cisco", model: "ISR4331", site: site.id, mgmt: mgmt(2, i + 1), credentials: router, uplink: core, interfaces: [] });
    metro(u.id, core, "TenGigabitEthernet0/1/0", `ar-${u.id}`);
  });

  // Districts: a distribution router each (dual-homed to both cores), wards and communes below.
  let hotspotSeq = 0;
  DISTRICTS.forEach((d, di) => {
    units.push({ id: d.id, kind: "district", name: { vi: d.vi, en: d.en }, parent: "ubnd" });
    sites.push({ id: `site-${d.id}`, unit: d.id, address: `Trụ sở ${d.vi}, Đà Nẵng`, lat: d.lat, lon: d.lon });
    const dist = `dist-${d.id}`;
    devices.push({ name: dist, role: "dist-router", vendor: "Cisco", model: "ISR4451-X", site: `site-${d.id}`, mgmt: mgmt(1, di + 1), credentials: router, uplink: "dc-core-1", interfaces: [] });
    for (const [side, core, port] of [["a", "dc-core-1", "GigabitEthernet0/0/0"], ["b", "dc-core-2", "GigabitEthernet0/0/1"]] as const) {
      const vlan = nextVlan++;
      link(`metro-${d.id}-${side}`, "metro", [core, `TenGigabitEthernet0/1/1.${vlan}`], [dist, port], 1000, "metro-link", vlan);
    }
    const controller = di < 4 ? "dc-wlc-1" : "dc-wlc-2";
    d.wards.forEach(([wardId, wardName], wi) => {
      const kind = d.id === "hoa-vang" ? "Xã" : "Phường";
      const en = d.id === "hoa-vang" ? "Commune" : "Ward";
      units.push({ id: wardId, kind: "ward", name: { vi: `${kind} ${wardName}`, en: `${asciiFold(wardName)} ${en}` }, parent: d.id });
      const spread = d.id === "hoa-vang" ? 0.12 : 0.03;
      const site: Site = { id: `site-${wardId}`, unit: wardId, address: `UBND ${kind} ${wardName}, ${d.vi}`, lat: jitter(d.lat, spread), lon: jitter(d.lon, spread) };
      sites.push(site);
      devices.push({ name: `ar-${wardId}`, role: "access-router", vendor: "Cisco", model: "ISR4321", site: site.id, mgmt: mgmt(3, hotspotSeq % 250 + 1), credentials: router, uplink: dist, interfaces: [] });
      hotspotSeq++;
      metro(wardId, dist, "GigabitEthernet0/1/0", `ar-${wardId}`);
      const places = d.coastal ? PLACES_COASTAL : PLACES;
      const count = 7 + (wi % 2);
      for (let h = 0; h < count; h++) {
        const place = places[h % places.length]!;
        hotspots.push({
          name: `ap-${wardId}-${String(h + 1).padStart(2, "0")}`, site: site.id, location: `${place} ${kind.toLowerCase()} ${wardName}`,
          lat: jitter(site.lat, 0.012), lon: jitter(site.lon, 0.012), controller, group: d.id,
          model: h % 3 === 0 ? "AIR-AP2802I-S-K9" : "AIR-AP1562E-S-K9",
        });
      }
    });
  });

  return {
    version: 1,
    city: { id: "danang", name: { vi: "Thành phố Đà Nẵng", en: "Da Nang City" }, country: "VN", timezone: "Asia/Ho_Chi_Minh" },
    secrets: [
      { name: "snmp-v3-netops", kind: "snmp-v3", description: "SNMPv3 read-only user (SHA/AES) for network devices" },
      { name: "ssh-netops", kind: "ssh-password", description: "Network operations account on routers and switches" },
      { name: "ssh-wlc", kind: "ssh-password", description: "Operations account on the Wi-Fi controllers" },
      { name: "agent-token", kind: "api-token", description: "Token the agents present to the control plane" },
    ],
    units, sites, devices, links, hotspots,
    ssids: [
      { name: "DaNang Free WiFi", security: "open-captive-portal", vlan: 200, clientLimit: 100, isolation: true },
      { name: "DaNangGov", security: "wpa2-enterprise", vlan: 210, clientLimit: 40, isolation: false },
      { name: "DaNangGov-WPA3", security: "wpa3-enterprise", vlan: 211, clientLimit: 40, isolation: false, groups: ["hai-chau", "son-tra"] },
    ],
    services: SERVICES.map((s) => ({
      id: s.id, name: { vi: s.vi, en: s.en }, department: s.department, zone: s.zone,
      image: `registry.danang.gov.vn/egov/${s.id}:2.4.1`, replicas: s.replicas,
      url: s.id === "portal" ? "https://danang.gov.vn/" : `${s.tls ? "https" : "http"}://${s.id}.danang.gov.vn/`,
      tls: s.tls, probe: { module: "http_2xx", path: "/healthz", intervalSeconds: 30, timeoutSeconds: 5, ...(s.keyword ? { keyword: s.keyword } : {}), degradedAboveMs: SLOW_ABOVE_MS[s.zone] },
      slo: s.slo,
    })),
    ipPlan: {
      loopbacks: { ipv4: "10.0.0.0/24", ipv6: "2001:db8:0:1::/64" },
      pointToPoint: { ipv4: "10.255.0.0/16", ipv6: "2001:db8:ff::/48" },
      management: { ipv4: "10.10.0.0/16", ipv6: "2001:db8:10::/48" },
      wifiClients: { ipv4: "100.64.0.0/14", ipv6: "2001:db8:200::/40" },
      linkVlans: { from: 100, to: 3999 },
    },
    sla: [
      { id: "metro-link", name: { vi: "Kênh mạng đô thị", en: "Metro network circuit" }, availability: 99.5, hours: "24x7" },
      { id: "dc-fabric", name: { vi: "Mạng trung tâm dữ liệu", en: "Data-centre fabric" }, availability: 99.95, hours: "24x7" },
      { id: "public-wifi", name: { vi: "Wi-Fi công cộng", en: "Public Wi-Fi" }, availability: 98, hours: "24x7" },
    ],
    maintenance: [
      {
        id: "mw-2026-12-hai-chau", reason: { vi: "Nâng cấp phần mềm router phân phối Hải Châu", en: "Software upgrade of the Hai Chau distribution router" },
        start: "2026-12-05T22:00:00+07:00", end: "2026-12-06T01:00:00+07:00", entities: [{ kind: "device", name: "dist-hai-chau" }],
      },
    ],
  };
}

const PLACES = ["UBND", "Nhà văn hóa", "Chợ", "Công viên", "Trạm y tế", "Trường THCS", "Bến xe buýt", "Quảng trường"];
const PLACES_COASTAL = ["UBND", "Bãi biển", "Nhà văn hóa", "Chợ", "Công viên ven biển", "Trạm y tế", "Bến xe buýt", "Trường THCS"];

function asciiFold(s: string): string {
  return s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D");
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const header = "# The default city: Da Nang's metro network, data centre, public Wi-Fi and eGov services.\n# Generated by inventory/danang/generate-danang.ts; edit the generator, not this file.\n";
  const city = buildDanang();
  // Leave out what is empty by default (no extra interfaces) so the file reads as data.
  const devices = city.devices.map(({ interfaces, ...d }) => (interfaces.length > 0 ? { ...d, interfaces } : d));
  writeFileSync(new URL("../danang.yaml", import.meta.url), header + stringify({ ...city, devices }, { lineWidth: 0, aliasDuplicateObjects: false }));
  console.log("wrote inventory/danang.yaml");
}
