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
        if ((res.headers["content-encoding"] ?? "").toLowerCase() === "gzip") stream = res.pipe(createGunzip());
        const chunks: Buffer[] = [];
        let size = 0;
        stream.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBody) {
            res.destroy();
            stream.destroy();
            reject(new Error(`body exceeds ${maxBody} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        stream.on("error", reject);
        res.on("error", reject);
        stream.on("end", () => resolve({ status: res.statusCode ?? 0, contentType: res.headers["content-type"], body: Buffer.concat(chunks).toString("utf8") }));
      });
      request.on("error", reject);
    });
}
