import { z } from "zod";

/**
 * The city as data: the single source of truth that Pulumi provisions from, the control plane
 * watches against and the simulator brings up. Unknown keys are errors everywhere (strict).
 */

const id = z
  .string()
  .min(1)
  .max(63)
  .regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/, "must be lower-case letters, digits and '-' (a DNS label)");

const text = z.string().min(1).max(200);
/** A name in both languages the console speaks. */
const localized = z.strictObject({ vi: text, en: text });

const ipv4 = z.ipv4({ error: "must be an IPv4 address" });
const ipv6 = z.ipv6({ error: "must be an IPv6 address" });
const cidrV4 = z.cidrv4({ error: "must be an IPv4 prefix (a.b.c.d/len)" });
const cidrV6 = z.cidrv6({ error: "must be an IPv6 prefix (x::/len)" });
const percent = z.number().gt(0).max(100);
const vlan = z.number().int().min(1).max(4094);
const isoTime = z.iso.datetime({ offset: true, error: "must be an ISO 8601 date-time with offset" });

export const UNIT_KINDS = ["city", "department", "district", "ward", "agency"] as const;
export const DEVICE_ROLES = [
  "core-router", "firewall", "spine", "leaf", "dist-router", "access-router", "switch", "wlc", "ap", "server", "k8s-node",
] as const;
export const SECRET_KINDS = ["snmp-community", "snmp-v3", "ssh-password", "ssh-key", "api-token"] as const;
export const SSID_SECURITY = ["wpa2-enterprise", "wpa3-enterprise", "wpa2-psk", "open-captive-portal"] as const;
export const SECURITY_ZONES = ["dmz", "app", "data", "management"] as const;
export const PROBE_MODULES = ["http_2xx", "tcp_connect", "tls_connect"] as const;

export const citySchema = z.strictObject({
  id,
  name: localized,
  country: z.string().length(2),
  timezone: z.string().min(1),
});

export const unitSchema = z.strictObject({
  id,
  kind: z.enum(UNIT_KINDS),
  name: localized,
  /** The unit above this one (wards under districts, everything else under the city). */
  parent: id.optional(),
});

export const siteSchema = z.strictObject({
  id,
  unit: id,
  address: text,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const secretRefSchema = z.strictObject({
  /** Referenced by devices; the value lives in the secret store, never in the inventory. */
  name: id,
  kind: z.enum(SECRET_KINDS),
  description: text.optional(),
});

export const interfaceSchema = z.strictObject({
  name: z.string().min(1).max(64),
  description: z.string().max(200).optional(),
  speedMbps: z.number().int().positive().optional(),
});

export const deviceSchema = z.strictObject({
  name: id,
  role: z.enum(DEVICE_ROLES),
  vendor: text,
  model: text,
  site: id,
  mgmt: z.strictObject({ ipv4, ipv6: ipv6.optional() }),
  /** Names of entries in `secrets` (by reference only: a literal secret here is an error). */
  credentials: z.strictObject({ snmp: id.optional(), ssh: id.optional() }).default({}),
  /** The device this one hangs off in the management/uplink tree. */
  uplink: id.optional(),
  /** Interfaces beyond those the links name (LAN ports, loopbacks). */
  interfaces: z.array(interfaceSchema).default([]),
});

const endpointSchema = z.strictObject({ device: id, interface: z.string().min(1).max(64) });

export const linkSchema = z.strictObject({
  name: id,
  kind: z.enum(["metro", "datacentre"]).default("metro"),
  a: endpointSchema,
  b: endpointSchema,
  bandwidthMbps: z.number().int().positive(),
  vlan,
  /** Point-to-point addressing from the IP plan: an IPv4 /31 and an IPv6 /127 (RFC 3021, RFC 6164). */
  ipv4: cidrV4,
  ipv6: cidrV6.optional(),
  sla: id.optional(),
});

export const hotspotSchema = z.strictObject({
  name: id,
  site: id,
  location: text,
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  controller: id,
  group: id,
  model: text,
});

export const ssidSchema = z.strictObject({
  name: z.string().min(1).max(32, "an SSID is at most 32 octets (IEEE 802.11)"),
  security: z.enum(SSID_SECURITY),
  vlan,
  clientLimit: z.number().int().positive(),
  isolation: z.boolean(),
  /** Hotspot groups broadcasting it; absent means every group. */
  groups: z.array(id).optional(),
});

export const probeSchema = z
  .strictObject({
    module: z.enum(PROBE_MODULES).default("http_2xx"),
    path: z.string().startsWith("/").default("/healthz"),
    intervalSeconds: z.number().int().min(5).max(3600).default(30),
    timeoutSeconds: z.number().min(1).max(60).default(5),
    keyword: z.string().max(200).optional(),
    /** A service whose probes succeed but take longer than this (ms, three in a row) is degraded: slow is what citizens notice first. */
    degradedAboveMs: z.number().int().positive().optional(),
  })
  .superRefine((p, ctx) => {
    // At or past the timeout the probe fails instead: the service would be down, never slow.
    if (p.degradedAboveMs !== undefined && p.degradedAboveMs >= p.timeoutSeconds * 1000) {
      ctx.addIssue({ code: "custom", path: ["degradedAboveMs"], message: `${p.degradedAboveMs} ms must be below the probe timeout (timeoutSeconds ${p.timeoutSeconds} = ${p.timeoutSeconds * 1000} ms)` });
    }
  });

export const serviceSchema = z.strictObject({
  id,
  name: localized,
  /** The owning department (a unit id). */
  department: id,
  zone: z.enum(SECURITY_ZONES),
  image: z.string().min(1).max(300),
  replicas: z.number().int().min(1).max(100),
  url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }),
  tls: z.boolean().default(false),
  probe: probeSchema.default({ module: "http_2xx", path: "/healthz", intervalSeconds: 30, timeoutSeconds: 5 }),
  /** Availability objective, percent per calendar month. */
  slo: percent,
});

const poolSchema = z.strictObject({ ipv4: cidrV4, ipv6: cidrV6.optional() });
export const ipPlanSchema = z.strictObject({
  loopbacks: poolSchema,
  pointToPoint: poolSchema,
  management: poolSchema,
  wifiClients: poolSchema,
  /** VLAN range the IPAM allocates metro circuits from. */
  linkVlans: z.strictObject({ from: vlan, to: vlan }),
});

export const slaSchema = z.strictObject({
  id,
  name: localized,
  /** Monthly availability target, percent. */
  availability: percent,
  /** Business hours only, or around the clock. */
  hours: z.enum(["24x7", "business"]).default("24x7"),
});

export const maintenanceSchema = z.strictObject({
  id,
  reason: localized,
  start: isoTime,
  end: isoTime,
  entities: z.array(z.strictObject({ kind: z.enum(["device", "link", "hotspot", "service", "site"]), name: z.string().min(1) })).min(1),
});

export const inventorySchema = z.strictObject({
  version: z.literal(1),
  city: citySchema,
  secrets: z.array(secretRefSchema).default([]),
  units: z.array(unitSchema).min(1),
  sites: z.array(siteSchema).default([]),
  devices: z.array(deviceSchema).default([]),
  links: z.array(linkSchema).default([]),
  hotspots: z.array(hotspotSchema).default([]),
  ssids: z.array(ssidSchema).default([]),
  services: z.array(serviceSchema).default([]),
  ipPlan: ipPlanSchema,
  sla: z.array(slaSchema).default([]),
  maintenance: z.array(maintenanceSchema).default([]),
});

export type Inventory = z.infer<typeof inventorySchema>;
export type Unit = z.infer<typeof unitSchema>;
export type Site = z.infer<typeof siteSchema>;
export type Device = z.infer<typeof deviceSchema>;
export type DeviceRole = (typeof DEVICE_ROLES)[number];
export type Link = z.infer<typeof linkSchema>;
export type Hotspot = z.infer<typeof hotspotSchema>;
export type Ssid = z.infer<typeof ssidSchema>;
export type Service = z.infer<typeof serviceSchema>;
export type IpPlan = z.infer<typeof ipPlanSchema>;
export type SecretRef = z.infer<typeof secretRefSchema>;
export type Maintenance = z.infer<typeof maintenanceSchema>;
