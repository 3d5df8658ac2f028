import type { FastifyRequest } from "fastify";
import { UnauthorizedError } from "./api-errors.ts";

/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), or undefined. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== "string") return undefined;
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]+)\s*$/i.exec(h);
  return m?.[1];
}

/** Who made an API request. */
export type ApiPrincipal = { kind: "admin"; user: string } | { kind: "agent"; agent: string };

/** Resolves a bearer token to a principal, or throws 401. */
export function requirePrincipal(request: FastifyRequest, authenticate: (token: string | undefined) => ApiPrincipal | undefined): ApiPrincipal {
  const principal = authenticate(bearerToken(request));
  if (!principal) throw new UnauthorizedError();
  return principal;
}
