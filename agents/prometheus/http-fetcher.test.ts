import http from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHttpFetcher } from "./http-fetcher.ts";

// A label value whose UTF-8 bytes are cut apart when the body is sent one byte at a time.
const BODY = 'city_up{ward="Hải Châu",city="Đà Nẵng"} 1\n'.repeat(20);

// A real server on this suite's loopback address; each route sends the body its own way.
let server: http.Server;
let base: string;
beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    const bytes = Buffer.from(BODY);
    const announce = req.url?.startsWith("/length") === true;
    if (announce) res.setHeader("content-length", bytes.length);
    if (req.url === "/gzip") {
      res.setHeader("content-encoding", "gzip");
      return res.end(gzipSync(bytes));
    }
    if (req.url?.endsWith("/whole") === true) return res.end(bytes);
    for (const byte of bytes) {
      res.write(Buffer.from([byte]));
      if (byte === 10) await new Promise((r) => setImmediate(r)); // let the pieces arrive apart
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.61.0.2", r));
  base = `http://127.61.0.2:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

const get = (path: string, maxBodyBytes?: number) => createHttpFetcher({ maxBodyBytes })({ url: base + path, headers: {}, signal: new AbortController().signal });

describe("createHttpFetcher bodies", () => {
  it.each(["/length/whole", "/length/pieces", "/chunked/whole", "/chunked/pieces", "/gzip"])("%s arrives intact, multi-byte characters included", async (path) => {
    const res = await get(path);
    expect(res.status).toBe(200);
    expect(res.body).toBe(BODY);
  });

  it.each(["/length/whole", "/chunked/pieces", "/gzip"])("%s over the size cap fails the scrape with the cap in the message", async (path) => {
    await expect(get(path, 100)).rejects.toThrow("body exceeds 100 bytes");
  });

  it("a body of exactly the cap is accepted", async () => {
    expect((await get("/length/whole", Buffer.byteLength(BODY))).body).toBe(BODY);
  });
});
