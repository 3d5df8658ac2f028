/**
 * The agent's token as its holder reads it: from `controlPlane.tokenFile` (re-read, so a rotation
 * is picked up without a restart, ADR 0008) or from the environment. One check serves the shipper
 * (HTTP bearer) and the control channel (socket.io handshake): a token is what an HTTP header
 * value can carry.
 */
import { readFileSync } from "node:fs";

/** Visible ASCII: what an HTTP header value (and so a bearer token) may hold. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/** The token in `text` (surrounding whitespace and the final newline dropped), or an error saying why it is unusable. */
export function usableToken(text: string): string {
  const token = text.trim();
  if (!TOKEN_CHARS.test(token)) throw new Error("the token is empty or holds characters not allowed in an HTTP header");
  return token;
}

/**
 * The token as the file holds it now, or the last usable one when the file is missing, empty,
 * half-written or unusable (a rotation in progress); the fixed token when there is no file.
 */
export function currentToken(file: string | undefined, initial: string): () => string {
  let last = initial;
  return () => {
    if (file === undefined) return last;
    try {
      last = usableToken(readFileSync(file, "utf8"));
    } catch {
      // Keep the last usable token; the shipper logs an unusable token file once per streak.
    }
    return last;
  };
}
