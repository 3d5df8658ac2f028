import { createHash } from "node:crypto";
import type { SimSnmpV3Secret } from "../sim-credentials.ts";
import * as snmp from "net-snmp";
import type { Agent as SnmpAgent } from "net-snmp";
import type { SimSnmpModule, SnmpModuleContext } from "./snmp-module.ts";

/** A running SNMP agent for one device. */
export interface DeviceSnmpAgent {
  host: string;
  port: number;
  close(): Promise<void>;
}

export interface DeviceSnmpAgentOptions {
  host: string;
  port: number;
  community: string;
  users: SimSnmpV3Secret[];
  modules: readonly SimSnmpModule[];
  /** A request with an unknown community or user (SNMPv2-MIB authenticationFailure). */
  onAuthFailure?: (source: string) => void;
}

/** RFC 3411 engine ID: enterprise 8072 (net-snmp) format 4 (text), stable per device. */
function engineId(name: string): string {
  return `80001f8804${createHash("sha256").update(name).digest("hex").slice(0, 24)}`;
}

/**
 * Starts a net-snmp Agent on host:port serving the modules that apply to the device. v2c with
 * the community, v3 with SHA/AES users. Resolves once the socket is bound; a bind failure
 * (address or port in use, address not local) rejects with an error naming host:port.
 */
export function startDeviceAgent(ctx: SnmpModuleContext, opts: DeviceSnmpAgentOptions): Promise<DeviceSnmpAgent> {
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    // net-snmp treats port 0 as "unset" and binds 161: refuse it instead.
    return Promise.reject(new Error(`SNMP port for ${ctx.device.device.name} must be 1..65535, not ${opts.port}`));
  }
  return new Promise((resolve, reject) => {
    let bound = false;
    let agent: SnmpAgent | undefined;
    const where = `${opts.host}:${opts.port}/udp`;
    const fail = (err: Error): void => {
      if (bound) return;
      bound = true;
      try {
        agent?.close();
      } catch {
        // Never bound: nothing to close.
      }
      reject(new Error(`SNMP agent for ${ctx.device.device.name} cannot listen on ${where}: ${(err as NodeJS.ErrnoException).code ?? err.message}`));
    };
    try {
      agent = snmp.createAgent({ port: opts.port, address: opts.host, transport: "udp4", engineID: engineId(ctx.device.device.name) }, (err) => {
        if (!err) return;
        if (!bound) return fail(err);
        // After start-up the callback reports per-packet problems: bad community/user → auth failure.
        if (/community|user|digest|authentic|decrypt/i.test(err.message)) opts.onAuthFailure?.(err.rinfo?.address ?? "unknown");
      });
    } catch (err) {
      return fail(err as Error);
    }
    const auth = agent.getAuthorizer();
    auth.addCommunity(opts.community);
    for (const u of opts.users) {
      auth.addUser({ name: u.user, level: snmp.SecurityLevel.authPriv, authProtocol: snmp.AuthProtocols.sha, authKey: u.authKey, privProtocol: snmp.PrivProtocols.aes, privKey: u.privKey });
    }
    const mib = agent.getMib();
    // Listeners the modules put on the device and network; detached when the agent closes (a reboot
    // makes a new agent, and the old tables must stop following the city).
    const detach: (() => void)[] = [];
    try {
      for (const m of opts.modules) {
        if (!m.appliesTo(ctx)) continue;
        const off = m.register(mib, ctx);
        if (off) detach.push(off);
      }
    } catch (err) {
      detach.forEach((off) => off());
      return fail(err as Error);
    }
    const sockets = Object.values(agent.listener.sockets);
    const a = agent;
    for (const s of sockets) {
      s.once("listening", () => {
        if (bound) return;
        bound = true;
        resolve({ host: opts.host, port: opts.port, close: () => new Promise<void>((res) => {
          detach.splice(0).forEach((off) => off());
          try {
            a.close(() => res());
          } catch {
            res();
          }
        }) });
      });
    }
  });
}
