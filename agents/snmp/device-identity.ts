/**
 * Device identification from sysObjectID (the enterprise number, IANA "SMI Network Management
 * Private Enterprise Codes") and sysDescr. Logic only.
 */
const ENTERPRISES: Record<string, string> = {
  "9": "cisco",
  "14179": "cisco-airespace",
  "2636": "juniper",
  "2011": "huawei",
  "12356": "fortinet",
  "25461": "paloalto",
  "30065": "arista",
  "6527": "nokia",
  "8072": "net-snmp",
  "311": "microsoft",
  "14988": "mikrotik",
  "4526": "netgear",
  "11": "hp",
  "47196": "vyos",
};

/** What the agent learnt about a device. */
export interface DeviceIdentity {
  vendor: string;
  sysObjectID: string;
  /** First line of sysDescr, trimmed to 200 characters. */
  description: string;
  os: string;
}

/** Identifies a device from sysObjectID and sysDescr. */
export function identifyDevice(sysObjectID: string, sysDescr: string): DeviceIdentity {
  const m = /^(?:\.)?1\.3\.6\.1\.4\.1\.(\d+)/.exec(sysObjectID);
  const vendor = (m && ENTERPRISES[m[1] as string]) ?? (m ? `enterprise-${m[1]}` : "unknown");
  const d = sysDescr.split(/\r?\n/)[0]?.trim().slice(0, 200) ?? "";
  const os = /IOS[ -]XE/i.test(d) ? "ios-xe" : /IOS[ -]XR/i.test(d) ? "ios-xr" : /Cisco IOS|IOS Software/i.test(d) ? "ios" : /JUNOS/i.test(d) ? "junos" : /AireOS|Cisco Controller/i.test(d) ? "aireos" : /^Linux/.test(d) ? "linux" : /FortiGate|FortiOS/i.test(d) ? "fortios" : "unknown";
  return { vendor, sysObjectID, description: d, os };
}
