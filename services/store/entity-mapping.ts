import type { EntityRef } from "../../protocol/event.schema.ts";

/**
 * Which city entity a series describes, from its labels (the agents' label conventions):
 * `device` + `ifName` → the interface `device/ifName`; `device` → the device; `link`,
 * `hotspot`, `service` → that entity. The most specific wins; none → no entity.
 */
export function entityOfLabels(labels: Readonly<Record<string, string>>): EntityRef | undefined {
  const device = labels.device;
  if (device && labels.ifName) return { kind: "interface", name: interfaceName(device, labels.ifName) };
  if (labels.link) return { kind: "link", name: labels.link };
  if (labels.hotspot) return { kind: "hotspot", name: labels.hotspot };
  if (device) return { kind: "device", name: device };
  if (labels.service) return { kind: "service", name: labels.service };
  return undefined;
}

/** The entity name of an interface: device name, a slash, the interface name (`r1/Gi0/0/1`). */
export function interfaceName(device: string, ifName: string): string {
  return `${device}/${ifName}`;
}
