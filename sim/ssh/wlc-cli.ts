import type { SimDevice } from "../model/sim-device.ts";
import type { SimNetwork } from "../model/sim-network.ts";
import type { DeviceCli } from "./ios-cli.ts";

const INCORRECT = "Incorrect usage. Use the '?' or <TAB> key to list commands.";

/** Splits a command line into words, keeping "quoted text" together (AireOS accepts quotes). */
export function words(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? "");
}

const row = (cols: [string, number][]): string => cols.map(([s, w]) => s.padEnd(w)).join(" ").trimEnd();
const dots = (label: string, value: string | number): string => `${label}${".".repeat(Math.max(3, 49 - label.length))} ${value}`;

/**
 * A Cisco AireOS-like controller CLI: `show ap summary`, `show wlan summary`, `config wlan
 * create|security|vlan|interface|enable|disable`, `config ap location|group-name`, `save config`.
 * Changes apply to the controller's state at once (and to its SNMP tables).
 */
export class WlcCli implements DeviceCli {
  closed = false;

  constructor(
    private readonly device: SimDevice,
    private readonly network: SimNetwork,
    private readonly user: string,
    private readonly source: string,
  ) {}

  prompt(): string {
    return "(Cisco Controller) >";
  }

  input(raw: string): string {
    const w = words(raw.trim());
    if (w.length === 0) return "";
    const [a = "", b = "", c = ""] = w.map((x) => x.toLowerCase());
    if (a === "logout" || a === "exit") {
      this.closed = true;
      return "";
    }
    if (a === "show" && b === "ap" && c === "summary") return this.apSummary();
    if (a === "show" && b === "wlan" && c === "summary") return this.wlanSummary();
    if (a === "save" && b === "config") {
      this.device.save(this.user);
      return "Configuration Saved!";
    }
    if (a === "config" && b === "wlan") return this.configWlan(w.slice(2)) ?? INCORRECT;
    if (a === "config" && b === "ap") return this.configAp(w.slice(2)) ?? INCORRECT;
    return INCORRECT;
  }

  private get name(): string {
    return this.device.device.name;
  }

  private changed(): string {
    this.device.lastChange = { user: this.user, source: this.source, atMs: this.device.clock.nowMs() };
    this.device.report({ type: "configured", user: this.user, source: this.source });
    this.network.emit("wlc-changed");
    return "";
  }

  private configWlan(w: string[]): string | undefined {
    const wlans = this.network.wlc.wlans.get(this.name) ?? [];
    const [verb = "", ...rest] = w;
    const find = (id: string | undefined) => wlans.find((x) => x.id === Number(id));
    switch (verb.toLowerCase()) {
      case "create": {
        const [id, profile, ssid] = rest;
        const n = Number(id);
        if (!Number.isInteger(n) || n < 1 || n > 512 || !profile) return undefined;
        if (find(id)) return `WLAN ${n} already exists.`;
        if ((ssid ?? profile).length > 32) return "SSID must be at most 32 characters.";
        wlans.push({ id: n, profile, ssid: ssid ?? profile, enabled: false, vlan: 1, security: "wpa2-enterprise" });
        wlans.sort((x, y) => x.id - y.id);
        this.network.wlc.wlans.set(this.name, wlans);
        return this.changed();
      }
      case "enable":
      case "disable": {
        const wlan = find(rest[0]);
        if (!wlan) return undefined;
        wlan.enabled = verb.toLowerCase() === "enable";
        return this.changed();
      }
      case "security": {
        // config wlan security wpa akm 802.1x enable <id> | config wlan security wpa disable <id> | … web-auth …
        const wlan = find(rest[rest.length - 1]);
        if (!wlan || rest.length < 2) return undefined;
        wlan.security = rest.slice(0, -1).join(" ");
        return this.changed();
      }
      case "vlan":
      case "interface": {
        const wlan = find(rest[0]);
        const vlan = Number((rest[1] ?? "").replace(/^vlan/i, ""));
        if (!wlan || !Number.isInteger(vlan) || vlan < 1 || vlan > 4094) return undefined;
        wlan.vlan = vlan;
        return this.changed();
      }
      default:
        return undefined;
    }
  }

  private configAp(w: string[]): string | undefined {
    const [verb = "", value, apName] = w;
    const ap = this.network.wlc.apsOn(this.name).find((a) => a.hotspot.name === apName);
    if (value === undefined || apName === undefined) return undefined;
    if (!ap) return `AP ${apName} is not joined to this controller.`;
    if (verb.toLowerCase() === "location") ap.location = value;
    else if (verb.toLowerCase() === "group" || verb.toLowerCase() === "group-name") ap.group = value;
    else return undefined;
    return this.changed();
  }

  private apSummary(): string {
    const aps = this.network.wlc.apsOn(this.name);
    const head: [string, number][] = [["AP Name", 24], ["Slots", 5], ["AP Model", 20], ["Ethernet MAC", 17], ["Location", 32], ["Status", 12], ["Clients", 7]];
    const lines = [dots("Number of APs", aps.length), "", row(head), row(head.map(([, n]) => ["-".repeat(n), n]))];
    for (const a of aps) {
      const clients = this.network.wlc.clients(a, 0) + this.network.wlc.clients(a, 1);
      lines.push(row([[a.hotspot.name, 24], ["2", 5], [a.hotspot.model, 20], [a.mac, 17], [a.location.slice(0, 32), 32], [a.up ? "Registered" : "Not Joined", 12], [String(clients), 7]]));
    }
    return lines.join("\r\n");
  }

  private wlanSummary(): string {
    const wlans = this.network.wlc.wlans.get(this.name) ?? [];
    const head: [string, number][] = [["WLAN ID", 7], ["WLAN Profile Name / SSID", 44], ["Status", 8], ["Interface Name", 14], ["Security", 20]];
    const lines = [dots("Number of WLANs", wlans.length), "", row(head), row(head.map(([, n]) => ["-".repeat(n), n]))];
    for (const x of wlans) lines.push(row([[String(x.id), 7], [`${x.profile} / ${x.ssid}`, 44], [x.enabled ? "Enabled" : "Disabled", 8], [`vlan${x.vlan}`, 14], [x.security, 20]]));
    return lines.join("\r\n");
  }
}
