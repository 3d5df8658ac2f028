import { StoreUnavailableError } from "./store.ts";

/** Node socket errors that mean "the database is not reachable right now". */
const NETWORK_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "EHOSTUNREACH", "ENOTFOUND", "EAI_AGAIN"]);
/** SQLite result codes that are about the disk or a lock, not about the data. */
const SQLITE_UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|FULL|IOERR|READONLY|CANTOPEN|NOMEM)/;

/**
 * Whether an error means the database is unavailable (→ 503 with Retry-After and a retry by the
 * agent) rather than a fault in the request or the code. PostgreSQL SQLSTATE classes: 08
 * connection exception, 53 insufficient resources, 57P admin shutdown / cannot connect now,
 * 58 system error; 40001/40P01 serialisation failure and deadlock are worth a retry too; 42501
 * arrives when CONNECT on the database has been revoked.
 */
export function isUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === "string") {
    if (NETWORK_CODES.has(code) || SQLITE_UNAVAILABLE.test(code)) return true;
    if (/^(08|53|57P|58)/.test(code) || code === "40001" || code === "40P01" || code === "42501" || code === "3D000") return true;
  }
  // node-postgres reports a dropped socket and a pool timeout without a code.
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connection is closed/i.test(err.message);
}

/** Rethrows unavailability as StoreUnavailableError (keeping the cause); anything else as is. */
export function mapStoreError(err: unknown): never {
  if (err instanceof StoreUnavailableError) throw err;
  if (isUnavailable(err)) throw new StoreUnavailableError(`database unavailable: ${(err as Error).message}`, { cause: err });
  throw err;
}
