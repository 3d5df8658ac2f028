import { DEVICE_ROLES, type Inventory } from "../inventory/inventory.schema.ts";

/** The counts a person checks first: units, wards, sites, devices by role, links, hotspots, SSIDs, services. */
export function inventorySummary(inv: Inventory): Record<string, number | Record<string, number>> {
  const byRole: Record<string, number> = {};
  for (const role of DEVICE_ROLES) {
    const n = inv.devices.filter((d) => d.role === role).length;
    if (n > 0) byRole[role] = n;
  }
  return {
    units: inv.units.filter((u) => u.kind !== "ward").length,
    wards: inv.units.filter((u) => u.kind === "ward").length,
    sites: inv.sites.length,
    devices: byRole,
    links: inv.links.length,
    hotspots: inv.hotspots.length,
    ssids: inv.ssids.length,
    services: inv.services.length,
  };
}

/** The summary as aligned text lines. */
export function formatSummary(inv: Inventory): string[] {
  const s = inventorySummary(inv);
  const lines = [`${inv.city.name.en} (${inv.city.name.vi})`];
  for (const [key, value] of Object.entries(s)) {
    if (typeof value === "number") lines.push(`  ${key.padEnd(10)} ${value}`);
    else {
      const total = Object.values(value).reduce((a, b) => a + b, 0);
      lines.push(`  ${key.padEnd(10)} ${total}`);
      for (const [role, n] of Object.entries(value)) lines.push(`    ${role.padEnd(14)} ${n}`);
    }
  }
  return lines;
}
