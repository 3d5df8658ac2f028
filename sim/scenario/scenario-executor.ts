import type { SimNetwork } from "../model/sim-network.ts";
import type { EgovService } from "../http/egov-service.ts";
import type { NodeExporter } from "../http/node-exporter.ts";
import type { SimCityListing } from "../sim-listing.ts";
import { IosCli } from "../ssh/ios-cli.ts";
import type { PlannedAction } from "./scenario-plan.ts";
import { sshBruteForce } from "./ssh-brute-force.ts";

/** What a scenario acts on: the running city's parts. */
export interface ScenarioTarget {
  network: SimNetwork;
  listing: SimCityListing;
  services: Map<string, EgovService>;
  nodes: Map<string, NodeExporter>;
  seed: number;
  /** The attacker's address for brute-force steps. */
  attackerAddress: string;
  /** Powers a running device off/on (absent or unknown devices are left alone). */
  setDevicePower?: (name: string, on: boolean) => Promise<void>;
}

/** Who changes configs by hand in the scenarios: a technician's laptop on the management LAN. */
const TECHNICIAN = { user: "tech.local", source: "10.10.99.17" };

/** Applies one planned action; returns a promise only for actions that take time (brute force). */
export function applyAction(t: ScenarioTarget, a: PlannedAction): Promise<unknown> | void {
  const on = a.phase === "start";
  const s = a.step;
  switch (s.action) {
    case "link-cut":
    case "link-flap":
      return t.network.setLinkCut(s.link, on);
    case "ap-offline":
      return t.network.wlc.setApUp(s.ap, !on);
    case "controller-failover": {
      t.network.wlc.failover(s.controller, on);
      // The failed controller goes dark, and comes back rebooted (coldStart) when the step ends.
      const running = t.listing.devices.some((d) => d.name === s.controller);
      return running ? t.setDevicePower?.(s.controller, !on) : undefined;
    }
    case "rogue-ap":
      return t.network.wlc.setRogue(s.controller, s.ssid, on);
    case "ssh-brute-force": {
      const ssh = t.listing.devices.find((d) => d.name === s.device)?.ssh;
      // A device that is not running (a subset was started) has no SSH server to attack.
      return ssh ? sshBruteForce(ssh, t.attackerAddress, s.attempts, t.seed) : undefined;
    }
    case "config-change":
    case "unsaved-config": {
      const device = t.network.device(s.device);
      const cli = new IosCli(device, t.network, TECHNICIAN.user, TECHNICIAN.source);
      for (const line of ["configure terminal", `interface ${s.interface}`, `description ${s.description}`, "end"]) cli.input(line);
      if (s.action === "config-change" && s.save) cli.input("write memory");
      return;
    }
    case "sso-brute-force": {
      const svc = t.services.get(s.service);
      if (svc) svc.faults.bruteForcePerMinute = on ? s.perMinute : 0;
      return;
    }
    case "latency-spike": {
      const svc = t.services.get(s.service);
      if (svc) svc.faults.extraLatencyMs = on ? s.ms : 0;
      return;
    }
    case "error-burst": {
      const svc = t.services.get(s.service);
      if (svc) svc.faults.errorRate = on ? s.rate : 0;
      return;
    }
    case "disk-fill": {
      const rate = on ? (s.gbPerHour * 1024 ** 3) / 3600 : 0;
      t.network.device(s.node).setDiskFill(rate);
      const exp = t.nodes.get(s.node);
      if (exp) exp.faults.diskFillBytesPerSecond = rate;
      return;
    }
    case "lldp-mismatch":
      return t.network.setLldpNeighbour(s.device, s.interface, on ? s.seen : undefined);
  }
}
