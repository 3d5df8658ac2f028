/**
 * Wireless LAN controller, Cisco AIRESPACE-WIRELESS-MIB layout: access point status
 * (bsnAPTable), clients per AP radio and per SSID, and rogue APs (bsnRogueAPTable).
 */
import { defineSnmpModule } from "../snmp-module.schema.ts";

const AP = "1.3.6.1.4.1.14179.2.2.1.1";
const AP_IF = "1.3.6.1.4.1.14179.2.2.2.1";
const ESS = "1.3.6.1.4.1.14179.2.1.1.1";
const ROGUE = "1.3.6.1.4.1.14179.2.1.7.1";
const apMac = { labelname: "bsnAPDot3MacAddress", type: "PhysAddress48" as const };
const apName = { labels: ["bsnAPDot3MacAddress"], labelname: "bsnAPName", oid: `${AP}.3` };
const rogue = {
  indexes: [{ labelname: "bsnRogueAPDot11MacAddress", type: "PhysAddress48" as const }],
  lookups: [{ labels: ["bsnRogueAPDot11MacAddress"], labelname: "bsnRogueAPSSID", oid: `${ROGUE}.11` }],
};

/** AP status (1 associated, 2 disassociating, 3 downloading), clients, rogue APs. */
export const wlcModule = defineSnmpModule("wlc", {
  walk: [`${AP}.3`, `${AP}.6`, `${AP_IF}.15`, `${ESS}.2`, `${ESS}.38`, `${ROGUE}.8`, `${ROGUE}.10`, `${ROGUE}.11`, `${ROGUE}.24`],
  metrics: [
    { name: "bsnAPOperationStatus", oid: `${AP}.6`, type: "gauge", indexes: [apMac], lookups: [apName] },
    { name: "bsnApIfNoOfUsers", oid: `${AP_IF}.15`, type: "gauge", indexes: [apMac, { labelname: "bsnAPIfSlotId", type: "gauge" }], lookups: [apName] },
    { name: "bsnDot11EssNumberOfMobileStations", oid: `${ESS}.38`, type: "gauge", indexes: [{ labelname: "bsnDot11EssIndex", type: "gauge" }], lookups: [{ labels: ["bsnDot11EssIndex"], labelname: "bsnDot11EssSsid", oid: `${ESS}.2` }] },
    { name: "bsnRogueAPTotalClients", oid: `${ROGUE}.8`, type: "gauge", ...rogue },
    { name: "bsnRogueAPMaxDetectedRSSI", oid: `${ROGUE}.10`, type: "gauge", ...rogue },
    { name: "bsnRogueAPState", oid: `${ROGUE}.24`, type: "gauge", ...rogue },
  ],
});
