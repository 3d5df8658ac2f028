/**
 * Cross-origin protection for sockets and state-changing routes: a request that carries an
 * `Origin` header must come from one of the server's own origins. Requests without one come
 * from non-browser clients (agents, curl), which authenticate with a bearer token anyway.
 */
export function originAllowed(origin: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (origin === undefined || origin === "") return true;
  return allowed.has(origin.toLowerCase().replace(/\/+$/, ""));
}

/** The origins a server listening on host:port (and its public URL) answers as. */
export function ownOrigins(host: string, port: number, publicUrl?: string): Set<string> {
  const out = new Set<string>();
  const hosts = new Set([host, "localhost", "127.0.0.1", "[::1]"]);
  for (const h of hosts) out.add(`http://${h.includes(":") && !h.startsWith("[") ? `[${h}]` : h}:${port}`.toLowerCase());
  if (publicUrl !== undefined) out.add(new URL(publicUrl).origin.toLowerCase());
  return out;
}
