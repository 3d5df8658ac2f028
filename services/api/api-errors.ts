/**
 * The coded errors the HTTP layer answers with (STYLE.md rule 5: one file of error classes).
 * Services throw these; the error handler turns each into `{error: {code, message}}` with its
 * status, so a client can branch on `code` and a user can read `message`.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    /** Seconds a client should wait before retrying (429/503). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** 400: the request is malformed; the message names the parameter or the problem. */
export class BadRequestError extends ApiError {
  constructor(code: string, message: string) {
    super(400, code, message);
  }
}

/** 401: no credentials, or credentials the server does not know. */
export class UnauthorizedError extends ApiError {
  constructor(message = "a valid bearer token is required") {
    super(401, "unauthorized", message);
  }
}

/** 404: the named thing does not exist. */
export class NotFoundError extends ApiError {
  constructor(message: string) {
    super(404, "not_found", message);
  }
}

/** 413: the body is larger than the route accepts. */
export class PayloadTooLargeError extends ApiError {
  constructor(message: string) {
    super(413, "payload_too_large", message);
  }
}

/** 415: the body is not in the format the route speaks. */
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) {
    super(415, "unsupported_media_type", message);
  }
}

/** 429: too much at once; retry after the given delay (agents back off with jitter). */
export class TooManyRequestsError extends ApiError {
  constructor(message: string, retryAfterSeconds: number) {
    super(429, "overloaded", message, retryAfterSeconds);
  }
}

/** 503: a dependency (the database) is unavailable; retry after the given delay. */
export class ServiceUnavailableError extends ApiError {
  constructor(message: string, retryAfterSeconds: number) {
    super(503, "unavailable", message, retryAfterSeconds);
  }
}
