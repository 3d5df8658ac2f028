import type { SimAp } from "../model/wlc-state.ts";
import { registerLazyTable } from "./lazy-provider.ts";
import { ObjectType as T } from "net-snmp";
import type { SimSnmpModule } from "./snmp-module.ts";

/**
 * Cisco AIRESPACE-WIRELESS-MIB on the Wi-Fi controllers, in the layout real AireOS controllers
 * serve, so the same poller works on them: bsnAPTable (indexed by the AP's MAC, 6 sub-ids),
 * bsnAPIfTable (clients per radio), bsnDot11EssTable (clients per WLAN) and bsnRogueAPTable.
 */
const AP = "1.3.6.1.4.1.14179.2.2.1.1";
const AP_IF = "1.3.6.1.4.1.14179.2.2.2.1";
const ESS = "1.3.6.1.4.1.14179.2.1.1.1";
const ROGUE = "1.3.6.1.4.1.14179.2.1.7.1";

const macBytes = (mac: string): Buffer => Buffer.from(mac.split(":").map((h) => parseInt(h, 16)));
const macOid = (mac: string): string => [...macBytes(mac)].join(".");

/** Share of a controller's clients on each WLAN (the open city SSID carries most). */
const WLAN_SHARE = [0.7, 0.2, 0.1];

export const airespaceWlcModule: SimSnmpModule = {
  name: "wlc",
  appliesTo: ({ device }) => device.device.role === "wlc",
  register(mib, { device, network }) {
    const wlc = network.wlc;
    const name = device.device.name;
    const apIp = (a: SimAp): string => {
      const i = wlc.aps.indexOf(a);
      return `100.127.${Math.floor(i / 250)}.${(i % 250) + 2}`;
    };
    const aps = registerLazyTable<SimAp>(mib, {
      name: "bsnAPTable",
      entryOid: AP,
      index: [{ columnName: "bsnAPDot3MacAddress", length: 6 }],
      columns: [
        { number: 1, name: "bsnAPDot3MacAddress", type: T.OctetString, value: (a) => macBytes(a.mac) },
        { number: 3, name: "bsnAPName", type: T.OctetString, value: (a) => a.hotspot.name },
        { number: 4, name: "bsnAPLocation", type: T.OctetString, value: (a) => a.location },
        // bsnAPOperationStatus: associated(1), disassociating(2), downloading(3)
        { number: 6, name: "bsnAPOperationStatus", type: T.Integer, value: (a) => (a.up ? 1 : 2) },
        { number: 16, name: "bsnAPModel", type: T.OctetString, value: (a) => a.hotspot.model },
        { number: 19, name: "bsnApIpAddress", type: T.IpAddress, value: (a) => apIp(a) },
        { number: 30, name: "bsnAPGroupVlanName", type: T.OctetString, value: (a) => a.group },
      ],
      rows: wlc.apsOn(name),
      suffix: (a) => macOid(a.mac),
      rowIndex: (a) => [macBytes(a.mac)],
    });
    type Radio = { ap: SimAp; slot: number };
    const radios = (): Radio[] => wlc.apsOn(name).flatMap((ap) => [{ ap, slot: 0 }, { ap, slot: 1 }]);
    const apIf = registerLazyTable<Radio>(mib, {
      name: "bsnAPIfTable",
      entryOid: AP_IF,
      index: [{ columnName: "bsnAPDot3MacAddressIdx", length: 6 }, { columnName: "bsnAPIfSlotId" }],
      columns: [
        { number: 1, name: "bsnAPIfSlotId", type: T.Integer, value: (r) => r.slot },
        // bsnAPIfType: dot11b(1) for the 2.4 GHz slot, dot11a(2) for 5 GHz
        { number: 2, name: "bsnAPIfType", type: T.Integer, value: (r) => r.slot + 1 },
        { number: 15, name: "bsnAPIfNoOfUsers", type: T.Counter32, value: (r) => wlc.clients(r.ap, r.slot) },
        { number: 99, name: "bsnAPDot3MacAddressIdx", type: T.OctetString, value: (r) => macBytes(r.ap.mac), indexOnly: true },
      ],
      rows: radios(),
      suffix: (r) => `${macOid(r.ap.mac)}.${r.slot}`,
      rowIndex: (r) => [macBytes(r.ap.mac), r.slot],
    });
    const onController = (): number => wlc.apsOn(name).reduce((n, a) => n + wlc.clients(a, 0) + wlc.clients(a, 1), 0);
    const ess = registerLazyTable(mib, {
      name: "bsnDot11EssTable",
      entryOid: ESS,
      index: [{ columnName: "bsnDot11EssIndex" }],
      columns: [
        { number: 1, name: "bsnDot11EssIndex", type: T.Integer, value: (w) => w.id },
        { number: 2, name: "bsnDot11EssSsid", type: T.OctetString, value: (w) => w.ssid },
        { number: 38, name: "bsnDot11EssNumberOfMobileStations", type: T.Counter32, value: (w) => (w.enabled ? Math.round(onController() * (WLAN_SHARE[w.id - 1] ?? 0.05)) : 0) },
      ],
      rows: wlc.wlans.get(name) ?? [],
      suffix: (w) => String(w.id),
    });
    const rogues = registerLazyTable(mib, {
      name: "bsnRogueAPTable",
      entryOid: ROGUE,
      index: [{ columnName: "bsnRogueAPDot11MacAddress", length: 6 }],
      columns: [
        { number: 1, name: "bsnRogueAPDot11MacAddress", type: T.OctetString, value: (r) => macBytes(r.mac) },
        { number: 8, name: "bsnRogueAPTotalClients", type: T.Integer, value: (r) => r.clients },
        { number: 10, name: "bsnRogueAPMaxDetectedRSSI", type: T.Integer, value: (r) => r.rssi },
        { number: 11, name: "bsnRogueAPSSID", type: T.OctetString, value: (r) => r.ssid },
        // bsnRogueAPState: alert(2) — seen, not yet classified
        { number: 24, name: "bsnRogueAPState", type: T.Integer, value: () => 2 },
      ],
      rows: wlc.rogues.get(name) ?? [],
      suffix: (r) => macOid(r.mac),
      rowIndex: (r) => [macBytes(r.mac)],
    });
    // APs join and leave with failovers; rogues come and go with the scenario.
    const onChange = (): void => {
      aps.setRows(wlc.apsOn(name));
      apIf.setRows(radios());
      rogues.setRows(wlc.rogues.get(name) ?? []);
      ess.setRows([...(wlc.wlans.get(name) ?? [])]);
    };
    network.on("wlc-changed", onChange);
    return () => void network.off("wlc-changed", onChange);
  },
};
