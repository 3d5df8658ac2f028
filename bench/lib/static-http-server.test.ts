import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startStaticHttpServer, TEXT_EXPOSITION_CONTENT_TYPE, type StaticHttpServer } from "./static-http-server.ts";
import { startStaticHttpServerProcess } from "./static-http-server.process.ts";

const HOST = "127.60.1.1";
const PAYLOAD = "# TYPE up gauge\nup{ward=\"Hải Châu\"} 1\n";

describe("startStaticHttpServer", () => {
  let server: StaticHttpServer;
  const seen: string[] = [];
  beforeAll(async () => {
    server = await startStaticHttpServer(HOST, { "/metrics": { body: PAYLOAD, contentType: TEXT_EXPOSITION_CONTENT_TYPE } }, { onRequest: (p) => seen.push(p) });
  });
  afterAll(() => server.close());

  it.each([
    ["GET of a route", "GET", "/metrics", 200, PAYLOAD],
    ["HEAD of a route", "HEAD", "/metrics", 200, ""],
    ["query strings are ignored", "GET", "/metrics?x=1", 200, PAYLOAD],
    ["unknown path", "GET", "/nope", 404, "no payload at /nope\n"],
    ["other methods", "POST", "/metrics", 405, ""],
  ])("%s", async (_, method, path, status, body) => {
    const res = await fetch(`http://${HOST}:${server.port}${path}`, { method });
    expect(res.status).toBe(status);
    expect(await res.text()).toBe(body);
  });

  it("sends the payload byte for byte with its content type and length", async () => {
    const res = await fetch(server.url("/metrics"));
    expect(res.headers.get("content-type")).toBe(TEXT_EXPOSITION_CONTENT_TYPE);
    expect(Number(res.headers.get("content-length"))).toBe(Buffer.byteLength(PAYLOAD));
    expect(Buffer.from(await res.arrayBuffer()).equals(Buffer.from(PAYLOAD))).toBe(true);
  });

  it("counts requests per path and reports each as it arrives", async () => {
    const before = server.requests("/metrics");
    await (await fetch(server.url("/metrics"))).text();
    expect(server.requests("/metrics")).toBe(before + 1);
    expect(seen.at(-1)).toBe("/metrics");
  });
});

describe("startStaticHttpServerProcess", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cityplane-static-test-"));
    writeFileSync(join(dir, "payload.txt"), PAYLOAD);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("serves a file from its own process, reports requests, and leaves nothing behind", async () => {
    const server = await startStaticHttpServerProcess(HOST, { "/a": { file: join(dir, "payload.txt"), contentType: TEXT_EXPOSITION_CONTENT_TYPE } }, 30_000);
    const pid = server.child.pid;
    try {
      expect(pid).not.toBe(process.pid);
      const reported = new Promise<string>((resolve) => server.onRequest((path) => resolve(path)));
      const res = await fetch(server.url("/a"));
      expect(await res.text()).toBe(PAYLOAD);
      expect(await reported).toBe("/a");
    } finally {
      await server.stop();
    }
    expect(existsSync(`/proc/${pid}`)).toBe(false);
  });

  it("fails with the child's reason when a file is missing", async () => {
    await expect(startStaticHttpServerProcess(HOST, { "/a": { file: join(dir, "missing.txt"), contentType: "text/plain" } }, 30_000)).rejects.toThrow(/exited.*ENOENT.*missing\.txt/s);
  });
});
