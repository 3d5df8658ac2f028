import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, type Socket } from "node:net";
import type { SimDevice, SimDeviceEvent } from "../model/sim-device.ts";
import { iosMessages, rfc3164, rfc5424 } from "./syslog-format.ts";

/** A syslog collector. */
export interface SyslogCollector {
  host: string;
  port: number;
  transport: "udp" | "tcp";
  format: "rfc5424" | "rfc3164";
}

/**
 * Sends device logs to collectors from each device's own address: UDP (RFC 5426) or TCP with
 * octet counting (RFC 6587 §3.4.1) for RFC 5424, newline framing for BSD messages. A collector
 * that is down loses messages, as with a real device; nothing blocks the city.
 */
export class SyslogSender {
  private readonly udp = new Map<string, UdpSocket>();
  private readonly tcp = new Map<string, Socket>();
  sent = 0;
  failed = 0;

  constructor(private readonly collectors: SyslogCollector[]) {}

  send(device: SimDevice, source: string, e: SimDeviceEvent): void {
    const at = device.clock.nowMs();
    for (const m of iosMessages(e, at)) {
      for (const c of this.collectors) {
        const line = c.format === "rfc5424" ? rfc5424(device.running.hostname, m.severity, at, m.text) : rfc3164(device.running.hostname, m.severity, at, m.text);
        if (c.transport === "udp") this.sendUdp(source, c, line);
        else this.sendTcp(source, c, c.format === "rfc5424" ? `${Buffer.byteLength(line)} ${line}` : `${line}\n`);
      }
    }
  }

  private sendUdp(source: string, c: SyslogCollector, line: string): void {
    let s = this.udp.get(source);
    if (!s) {
      s = createSocket("udp4");
      s.on("error", () => this.failed++);
      s.bind(0, source);
      s.unref();
      this.udp.set(source, s);
    }
    s.send(line, c.port, c.host, (err) => (err ? this.failed++ : this.sent++));
  }

  private sendTcp(source: string, c: SyslogCollector, frame: string): void {
    const key = `${source}|${c.host}:${c.port}`;
    let s = this.tcp.get(key);
    if (!s || s.destroyed) {
      s = connect({ host: c.host, port: c.port, localAddress: source });
      s.on("error", () => {
        this.failed++;
        this.tcp.delete(key);
      });
      s.on("close", () => this.tcp.delete(key));
      s.setNoDelay(true);
      this.tcp.set(key, s);
    }
    s.write(frame, (err) => (err ? this.failed++ : this.sent++));
  }

  close(): void {
    for (const s of this.udp.values()) s.close();
    for (const s of this.tcp.values()) s.destroy();
    this.udp.clear();
    this.tcp.clear();
  }
}
