import { execFile } from "node:child_process";
import { connect } from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { loadInventoryOrThrow } from "../../inventory/inventory.loader.ts";
import { describeWithPeers, freeUdpPort } from "../../test/peers.ts";
import { ManualSimClock } from "../sim-clock.ts";
import { startSimCity, type SimCity } from "../sim-city.ts";

const inventory = await loadInventoryOrThrow("inventory/danang.yaml");

/** `promtool check metrics` on a payload: its exit code and findings. */
function promtool(text: string): Promise<{ code: number; findings: string[] }> {
  return new Promise((resolve) => {
    const child = execFile("promtool", ["check", "metrics"], (err, stdout, stderr) =>
      resolve({ code: err ? Number(err.code ?? 1) : 0, findings: `${stdout}${stderr}`.split("\n").filter((l) => l.trim() !== "") }),
    );
    child.stdin?.end(text);
  });
}

/** Self-signed certificates: the test reads them, it does not trust them. */
async function fetchText(url: string, init?: RequestInit): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  if (u.protocol === "https:") {
    const { request } = await import("node:https");
    return new Promise((resolve, reject) => {
      const req = request(url, { method: init?.method ?? "GET", rejectUnauthorized: false }, (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (text += c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on("error", reject);
      req.end();
    });
  }
  const res = await fetch(url, init);
  return { status: res.status, text: await res.text() };
}

function certNotAfter(host: string, port: number): Promise<Date> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port, rejectUnauthorized: false }, () => {
      const cert = s.getPeerCertificate();
      s.end();
      resolve(new Date(cert.valid_to));
    });
    s.on("error", reject);
  });
}

describeWithPeers(["promtool"], "eGov services and node exporters (promtool, TLS)", () => {
  let city: SimCity;
  const clock = new ManualSimClock(Date.now());

  beforeAll(async () => {
    city = await startSimCity(inventory, { seed: 9, addressPrefix: "127.22", snmpPort: await freeUdpPort("127.22.0.31"), sshPort: 22_022, devices: (d) => d.role === "k8s-node", clock });
  });
  afterAll(async () => {
    await city?.stop();
  });

  it("serves a page, /healthz and a /metrics that promtool accepts, on every service", async () => {
    clock.advance(600_000);
    for (const s of city.listing.services) {
      const page = await fetchText(s.url);
      expect(page.status).toBe(200);
      expect(page.text).toContain("Đà Nẵng");
      expect((await fetchText(new URL("healthz", s.url).toString())).status).toBe(200);
      const metrics = await fetchText(s.metricsUrl);
      expect(metrics.text).toMatch(/^http_requests_total\{.*status="200".*\} \d+/m);
      expect(metrics.text).toContain("http_request_duration_seconds_bucket");
      expect(metrics.text).toContain("http_requests_in_flight");
      const check = await promtool(metrics.text);
      expect({ service: s.name, ...check }).toEqual({ service: s.name, code: 0, findings: [] });
    }
  });

  it("serves TLS where the inventory says so, with one certificate close to expiry", async () => {
    const tls = city.listing.services.filter((s) => s.tls);
    expect(tls.length).toBeGreaterThan(1);
    const expiries = await Promise.all(tls.map((s) => certNotAfter(new URL(s.url).hostname, Number(new URL(s.url).port))));
    const days = expiries.map((d) => (d.getTime() - Date.now()) / 86_400_000);
    expect(days.filter((d) => d < 14)).toHaveLength(1);
    expect(days.filter((d) => d > 300)).toHaveLength(tls.length - 1);
  });

  it("a 5xx burst and an SSO brute force show in /healthz and the metrics", async () => {
    const sso = city.listing.services.find((s) => s.name === "sso");
    const svc = city.services.get("sso");
    if (!sso || !svc) throw new Error("no sso service");
    const failures = (t: string): number => Number(/^egov_sso_logins_total\{result="failure".*\} (\d+)/m.exec(t)?.[1] ?? NaN);
    const before = failures((await fetchText(sso.metricsUrl)).text);
    svc.faults.errorRate = 1;
    svc.faults.bruteForcePerMinute = 600;
    clock.advance(60_000);
    expect((await fetchText(new URL("healthz", sso.url).toString())).status).toBe(503);
    const after = (await fetchText(sso.metricsUrl)).text;
    expect(failures(after) - before).toBeGreaterThanOrEqual(600);
    expect(after).toMatch(/^http_requests_total\{.*status="503".*\} \d+/m);
    svc.faults.errorRate = 0;
    svc.faults.bruteForcePerMinute = 0;
  });

  it("node exporters give node_exporter's metric names, and a filling disk loses free space", async () => {
    const node = city.listing.nodes[0];
    const exp = city.nodes.get(node?.name ?? "");
    if (!node || !exp) throw new Error("no node");
    const avail = (t: string): number => Number(/^node_filesystem_avail_bytes\{[^}]*mountpoint="\/var\/lib\/containerd"\} (\d+)/m.exec(t)?.[1] ?? NaN);
    const first = await fetchText(node.metricsUrl);
    expect(first.text).toMatch(/^node_cpu_seconds_total\{cpu="0",mode="idle"\} [\d.]+$/m);
    // promtool's lint objects to node_exporter's own camelCase meminfo names (it does so on the
    // real node_exporter too); nothing else may be reported.
    const check = await promtool(first.text);
    expect(check.findings.filter((f) => !/^node_memory_\w+_bytes metric names should be written in 'snake_case'/.test(f))).toEqual([]);
    exp.faults.diskFillBytesPerSecond = 50 * 1024 ** 2;
    clock.advance(600_000);
    const second = await fetchText(node.metricsUrl);
    expect(avail(first.text) - avail(second.text)).toBe(50 * 1024 ** 2 * 600);
  });
});
