/**
 * The network adapter of the scraper: one HTTP(S) GET with an abort signal, gzip, and a body
 * size cap. The only file of the scraper that touches the network (STYLE.md rule 4).
 */
import http from "node:http";
import https from "node:https";
import { createGunzip } from "node:zlib";
import type { Readable } from "node:stream";
import type { ScrapeResponse } from "./scrape-result.ts";

/** One request as the scraper makes it. */
export interface ScrapeRequest {
  url: string;
  headers: Readonly<Record<string, string>>;
  signal: AbortSignal;
}

/** The adapter the scraper is given. */
export type ScrapeFetcher = (req: ScrapeRequest) => Promise<ScrapeResponse>;

/** Adapter options. */
export interface HttpFetcherOptions {
  /** Accept self-signed certificates (the simulated city's services use them). */
  insecureSkipVerify?: boolean;
  /** Bodies larger than this fail the scrape instead of filling memory. */
  maxBodyBytes?: number;
}

/**
 * Collects a body: into one buffer of the announced length when there is one (each chunk is
 * copied once and let go, instead of holding every chunk and then a concatenated copy).
 */
class BodyCollector {
  private chunks: Buffer[] = [];
  private buffer: Buffer | undefined;
  size = 0;

  constructor(expected: number | undefined) {
    if (expected !== undefined) this.buffer = Buffer.allocUnsafe(expected);
  }

  add(chunk: Buffer): void {
    const buffer = this.buffer;
    if (buffer !== undefined && this.size + chunk.length <= buffer.length) chunk.copy(buffer, this.size);
    else {
      // More than announced (a gzip stream, or a wrong Content-Length): keep the chunks.
      if (buffer !== undefined) this.chunks.push(buffer.subarray(0, this.size));
      this.buffer = undefined;
      this.chunks.push(chunk);
    }
    this.size += chunk.length;
  }

  text(): string {
    const buffer = this.buffer;
    if (buffer !== undefined) return buffer.toString("utf8", 0, this.size);
    return Buffer.concat(this.chunks, this.size).toString("utf8");
  }
}

/** Creates a node:http/https fetcher with keep-alive connections, as Prometheus reuses them. */
export function createHttpFetcher(options: HttpFetcherOptions = {}): ScrapeFetcher {
  const maxBody = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 4, rejectUnauthorized: options.insecureSkipVerify !== true });
  return (req) =>
    new Promise<ScrapeResponse>((resolve, reject) => {
      const url = new URL(req.url);
      const isHttps = url.protocol === "https:";
      if (!isHttps && url.protocol !== "http:") return reject(new Error(`unsupported scheme ${url.protocol}`));
      const headers = { ...req.headers, "accept-encoding": "gzip" };
      const request = (isHttps ? https : http).get(url, { headers, signal: req.signal, agent: isHttps ? httpsAgent : httpAgent }, (res) => {
        let stream: Readable = res;
        const gzip = (res.headers["content-encoding"] ?? "").toLowerCase() === "gzip";
        if (gzip) stream = res.pipe(createGunzip());
        const announced = gzip ? undefined : Number(res.headers["content-length"] ?? Number.NaN);
        if (announced !== undefined && announced > maxBody) {
          res.destroy();
          return reject(new Error(`body exceeds ${maxBody} bytes`));
        }
        const body = new BodyCollector(announced !== undefined && Number.isSafeInteger(announced) && announced >= 0 ? announced : undefined);
        stream.on("data", (chunk: Buffer) => {
          if (body.size + chunk.length > maxBody) {
            res.destroy();
            stream.destroy();
            reject(new Error(`body exceeds ${maxBody} bytes`));
            return;
          }
          body.add(chunk);
        });
        stream.on("error", reject);
        res.on("error", reject);
        stream.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: body.text() }));
      });
      request.on("error", reject);
    });
}
