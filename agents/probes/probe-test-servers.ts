/**
 * Real local peers for the probe tests: HTTP, HTTPS with self-signed certificates, a server
 * that accepts and never answers. Test-only helper (not imported by the agent).
 */
import http from "node:http";
import https from "node:https";
import net from "node:net";
import type { AddressInfo } from "node:net";
import { generate } from "selfsigned";

/** A listening server and how to stop it. */
export interface TestServer {
  port: number;
  close(): Promise<void>;
}

const handler: http.RequestListener = (req, res) => {
  if (req.url === "/status/500") {
    res.statusCode = 500;
    res.end("broken");
    return;
  }
  res.setHeader("content-type", "text/html");
  res.end("<html><body>Cổng dịch vụ công Đà Nẵng: OK</body></html>");
};

function track(server: net.Server): Promise<TestServer> {
  const sockets = new Set<net.Socket>();
  server.on("connection", (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () =>
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            for (const s of sockets) s.destroy();
            server.close(() => r());
          }),
      }),
    ),
  );
}

/** Plain HTTP: `/` answers 200 with a body, `/status/500` answers 500. */
export function startHttpServer(): Promise<TestServer> {
  return track(http.createServer(handler));
}

/** HTTPS with a self-signed certificate for localhost/127.0.0.1 that expires in `days` days. */
export async function startHttpsServer(days: number): Promise<TestServer & { notAfter: Date }> {
  const notAfter = new Date(Date.now() + days * 86_400_000);
  notAfter.setMilliseconds(0);
  const pems = await generate([{ name: "commonName", value: "localhost" }], {
    notAfterDate: notAfter,
    keySize: 2048,
    extensions: [{ name: "subjectAltName", altNames: [{ type: 2, value: "localhost" }, { type: 7, ip: "127.0.0.1" }] }],
  });
  const server = await track(https.createServer({ key: pems.private, cert: pems.cert }, handler));
  return { ...server, notAfter };
}

/** Accepts connections and never sends a byte (an HTTP server that hangs, a TLS handshake that stalls). */
export function startSilentServer(): Promise<TestServer> {
  return track(net.createServer(() => undefined));
}

/** A port on 127.0.0.1 that was free a moment ago (connections to it are refused). */
export async function closedPort(): Promise<number> {
  const s = await startSilentServer();
  await s.close();
  return s.port;
}
