import type { InterfaceConfig } from "../model/device-config.ts";
import { renderConfig } from "../model/device-config.ts";
import type { SimDevice } from "../model/sim-device.ts";
import type { SimNetwork } from "../model/sim-network.ts";
import { shortName } from "../snmp/if-mib.module.ts";

/** A line-oriented device CLI: one instance per SSH shell; `input` returns what the device prints. */
export interface DeviceCli {
  prompt(): string;
  input(line: string): string;
  /** Set once the user typed exit/logout at the top level. */
  readonly closed: boolean;
}

type Mode = { kind: "exec" } | { kind: "config" } | { kind: "if"; name: string } | { kind: "vlan"; id: number };

const INVALID = "% Invalid input detected at '^' marker.";

/** True when `word` abbreviates `keyword` (IOS accepts any unambiguous prefix). */
function abbrev(word: string | undefined, keyword: string): boolean {
  return word !== undefined && word.length > 0 && keyword.toLowerCase().startsWith(word.toLowerCase());
}

function matches(words: string[], keywords: string[]): boolean {
  return words.length >= keywords.length && keywords.every((k, i) => abbrev(words[i], k));
}

/** Resolves an abbreviated interface name (gi0/0/1, Te0/1/0.101) against the known ones. */
export function resolveInterface(names: Iterable<string>, typed: string): string | undefined {
  const m = /^([a-z-]+)\s*([\d/.:]+)$/i.exec(typed);
  if (!m) return undefined;
  const [, kind = "", num = ""] = m;
  for (const n of names) {
    const nm = /^([a-z-]+)([\d/.:]+)$/i.exec(n);
    if (nm && nm[2] === num && (nm[1] ?? "").toLowerCase().startsWith(kind.toLowerCase())) return n;
  }
  return undefined;
}

const pad = (s: string, n: number): string => (s.length >= n ? `${s.slice(0, n - 1)} ` : s.padEnd(n));

/**
 * An IOS-like CLI over a simulated device's running config: show commands, configuration mode
 * with immediate effect (as IOS applies each line), `write memory`, and IOS's error messages.
 */
export class IosCli implements DeviceCli {
  private mode: Mode = { kind: "exec" };
  private changed = false;
  closed = false;

  constructor(
    private readonly device: SimDevice,
    private readonly network: SimNetwork,
    private readonly user: string,
    private readonly source: string,
  ) {}

  prompt(): string {
    const host = this.device.running.hostname;
    switch (this.mode.kind) {
      case "exec":
        return `${host}#`;
      case "config":
        return `${host}(config)#`;
      case "if":
        return `${host}(config-if)#`;
      case "vlan":
        return `${host}(config-vlan)#`;
    }
  }

  input(raw: string): string {
    const line = raw.trim();
    if (line === "" || line.startsWith("!")) return "";
    const words = line.split(/\s+/);
    const out = this.mode.kind === "exec" ? this.exec(words) : this.config(words, line);
    return out === undefined ? this.invalid(line, words) : out;
  }

  private invalid(line: string, words: string[]): string {
    // The caret points at the first word that could not be understood (we point at the last one given).
    const at = line.lastIndexOf(words[words.length - 1] ?? "");
    return `${" ".repeat(this.prompt().length + Math.max(0, at))}^\r\n${INVALID}`;
  }

  private exec(w: string[]): string | undefined {
    if (matches(w, ["show", "running-config"])) return renderConfig(this.device.running, [`Current configuration : ${renderConfig(this.device.running).length} bytes`]);
    if (matches(w, ["show", "startup-config"])) return renderConfig(this.device.startup, [`Using ${renderConfig(this.device.startup).length} out of 33554432 bytes`]).replace("Building configuration...\r\n\r\n", "");
    if (matches(w, ["show", "ip", "interface", "brief"])) return this.ipBrief();
    if (matches(w, ["show", "interfaces", "status"])) return this.ifStatus();
    if (matches(w, ["show", "version"])) return this.version();
    if (matches(w, ["configure", "terminal"]) || (w.length === 1 && abbrev(w[0], "configure"))) {
      this.mode = { kind: "config" };
      return "Enter configuration commands, one per line.  End with CNTL/Z.";
    }
    if (matches(w, ["write", "memory"]) || (w.length === 1 && abbrev(w[0], "write")) || matches(w, ["copy", "running-config", "startup-config"])) {
      this.device.save(this.user);
      return "Building configuration...\r\n[OK]";
    }
    if (matches(w, ["terminal", "length"]) || matches(w, ["terminal", "width"])) return "";
    if (w.length === 1 && (abbrev(w[0], "exit") || abbrev(w[0], "logout") || abbrev(w[0], "quit"))) {
      this.closed = true;
      return "";
    }
    if (w.length === 1 && (abbrev(w[0], "show") || abbrev(w[0], "configure"))) return "% Incomplete command.";
    return undefined;
  }

  private config(w: string[], line: string): string | undefined {
    const no = abbrev(w[0], "no") && w[0]?.toLowerCase() === "no";
    const words = no ? w.slice(1) : w;
    if (w.length === 1 && abbrev(w[0], "end")) return this.leaveConfig();
    if (w.length === 1 && abbrev(w[0], "exit")) {
      if (this.mode.kind === "config") return this.leaveConfig();
      this.mode = { kind: "config" };
      return "";
    }
    if (abbrev(words[0], "interface") && words.length >= 2 && !no) {
      const typed = words.slice(1).join("");
      const name = resolveInterface(this.device.running.interfaces.keys(), typed) ?? this.createInterface(typed);
      if (!name) return undefined;
      this.mode = { kind: "if", name };
      return "";
    }
    if (abbrev(words[0], "vlan") && words.length === 2 && words[0]?.toLowerCase().startsWith("vl")) {
      const id = Number(words[1]);
      if (!Number.isInteger(id) || id < 1 || id > 4094) return undefined;
      this.touch();
      if (no) this.device.running.vlans.delete(id);
      else {
        if (!this.device.running.vlans.has(id)) this.device.running.vlans.set(id, `VLAN${String(id).padStart(4, "0")}`);
        this.mode = { kind: "vlan", id };
      }
      return "";
    }
    if (abbrev(words[0], "hostname") && words.length === 2 && !no) {
      this.touch();
      this.device.running.hostname = words[1] ?? this.device.running.hostname;
      return "";
    }
    if (this.mode.kind === "vlan" && abbrev(words[0], "name") && words.length >= 2) {
      this.touch();
      this.device.running.vlans.set(this.mode.id, words.slice(1).join(" "));
      return "";
    }
    if (this.mode.kind === "if") return this.interfaceCommand(this.mode.name, words, no, line);
    return undefined;
  }

  private createInterface(typed: string): string | undefined {
    // Loopbacks and 802.1Q sub-interfaces of an existing port may be created, as on IOS.
    const loop = /^lo(?:opback)?(\d+)$/i.exec(typed);
    const sub = /^(.+?)\.(\d+)$/.exec(typed);
    let name: string | undefined;
    if (loop) name = `Loopback${loop[1]}`;
    else if (sub) {
      const parent = resolveInterface(this.device.running.interfaces.keys(), sub[1] ?? "");
      if (parent) name = `${parent}.${sub[2]}`;
    }
    if (!name) return undefined;
    this.touch();
    this.device.running.interfaces.set(name, { name, description: "", shutdown: false });
    return name;
  }

  private interfaceCommand(name: string, w: string[], no: boolean, line: string): string | undefined {
    const cfg = this.device.running.interfaces.get(name) as InterfaceConfig;
    const rest = (n: number): string => line.trim().split(/\s+/).slice(n + (no ? 1 : 0)).join(" ");
    if (abbrev(w[0], "description")) {
      if (!no && w.length < 2) return "% Incomplete command.";
      this.touch();
      cfg.description = no ? "" : rest(1);
      return "";
    }
    if (abbrev(w[0], "shutdown") && w.length === 1) {
      this.touch();
      cfg.shutdown = !no;
      const state = this.device.byName.get(name);
      if (state) this.network.refreshInterface(this.device, state);
      return "";
    }
    if (matches(w, ["encapsulation", "dot1Q"])) {
      const id = Number(w[2]);
      if (no) cfg.dot1q = undefined;
      else if (!Number.isInteger(id) || id < 1 || id > 4094) return undefined;
      else cfg.dot1q = id;
      this.touch();
      return "";
    }
    if (matches(w, ["ip", "address"])) {
      const ipv4 = /^\d+\.\d+\.\d+\.\d+$/;
      if (no) cfg.ipv4 = undefined;
      else if (w.length === 4 && ipv4.test(w[2] ?? "") && ipv4.test(w[3] ?? "")) cfg.ipv4 = { address: w[2] ?? "", mask: w[3] ?? "" };
      else return w.length < 4 ? "% Incomplete command." : undefined;
      this.touch();
      return "";
    }
    if (matches(w, ["ipv6", "address"])) {
      if (no) cfg.ipv6 = undefined;
      else if (w.length === 3 && /^[0-9a-f:]+\/\d{1,3}$/i.test(w[2] ?? "")) cfg.ipv6 = w[2];
      else return undefined;
      this.touch();
      return "";
    }
    if (abbrev(w[0], "service-policy") && (abbrev(w[1], "input") || abbrev(w[1], "output"))) {
      const dir = abbrev(w[1], "input") ? "servicePolicyIn" : "servicePolicyOut";
      if (!no && w.length !== 3) return w.length < 3 ? "% Incomplete command." : undefined;
      cfg[dir] = no ? undefined : w[2];
      this.touch();
      return "";
    }
    return undefined;
  }

  private touch(): void {
    this.changed = true;
  }

  private leaveConfig(): string {
    this.mode = { kind: "exec" };
    if (this.changed) {
      this.changed = false;
      this.device.lastChange = { user: this.user, source: this.source, atMs: this.device.clock.nowMs() };
      this.device.report({ type: "configured", user: this.user, source: this.source });
    }
    return "";
  }

  private ipBrief(): string {
    const rows = [`${pad("Interface", 27)}${pad("IP-Address", 16)}OK? Method Status                Protocol`];
    for (const c of this.device.running.interfaces.values()) {
      const st = this.device.byName.get(c.name);
      const status = c.shutdown ? "administratively down" : st?.operUp === false ? "down" : "up";
      const proto = c.shutdown || st?.operUp === false ? "down" : "up";
      rows.push(`${pad(c.name, 27)}${pad(c.ipv4?.address ?? "unassigned", 16)}YES ${pad(c.ipv4 ? "NVRAM" : "unset", 7)}${pad(status, 22)}${proto}`);
    }
    return rows.join("\r\n");
  }

  private ifStatus(): string {
    const rows = [`${pad("Port", 14)}${pad("Name", 19)}${pad("Status", 13)}${pad("Vlan", 11)}${pad("Duplex", 7)}${pad("Speed", 7)}Type`];
    for (const c of this.device.running.interfaces.values()) {
      const st = this.device.byName.get(c.name);
      const status = c.shutdown ? "disabled" : st?.operUp === false ? "notconnect" : "connected";
      const speed = st ? (st.spec.speedMbps >= 1000 ? `${st.spec.speedMbps / 1000}G` : String(st.spec.speedMbps)) : "auto";
      rows.push(`${pad(shortName(c.name), 14)}${pad(c.description, 19)}${pad(status, 13)}${pad(c.dot1q !== undefined ? String(c.dot1q) : "routed", 11)}${pad("full", 7)}${pad(speed, 7)}${st?.spec.ifType === 24 ? "Loopback" : "SFP"}`);
    }
    return rows.join("\r\n");
  }

  private version(): string {
    const secs = Math.floor((this.device.clock.nowMs() - this.device.bootMs) / 1000);
    const d = Math.floor(secs / 86400);
    const h = Math.floor((secs % 86400) / 3600);
    const m = Math.floor((secs % 3600) / 60);
    return [
      "Cisco IOS XE Software, Version 17.09.04a",
      `${this.device.running.hostname} uptime is ${d} days, ${h} hours, ${m} minutes`,
      `cisco ${this.device.device.model} processor with 3747220K/6147K bytes of memory.`,
      `Configuration register is 0x2102`,
    ].join("\r\n");
  }
}
