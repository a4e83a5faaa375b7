/** One field-level problem: where it is (`path`, dotted, `index` for batch position) and what is wrong. */
export interface ErrorDetail {
  index?: number;
  path: string;
  message: string;
  /** For `q`: the offending term as typed and its 0-based character offset. */
  token?: string;
  position?: number;
}

/**
 * Every error Trailmark raises on purpose carries a stable UPPER_SNAKE code.
 * The server maps codes to HTTP statuses in exactly one place (apps/server/src/errors.ts).
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  MALFORMED_JSON: 'MALFORMED_JSON',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNKNOWN_ACTION: 'UNKNOWN_ACTION',
  UNKNOWN_SOURCE: 'UNKNOWN_SOURCE',
  UNKNOWN_FILTER: 'UNKNOWN_FILTER',
  INVALID_FILTER: 'INVALID_FILTER',
  INVALID_CURSOR: 'INVALID_CURSOR',
  UNSUPPORTED_FORMAT: 'UNSUPPORTED_FORMAT',
  /** The body is not declared `application/json`, or its Content-Encoding is neither identity nor gzip. */
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  /** Sign-in refused; the same for an unknown email and a wrong password. */
  INVALID_CREDENTIALS: 'INVALID_CREDENTIALS',
  /** A setup, invitation or reset link that is unknown, expired, used or revoked (one answer for all). */
  INVALID_LINK: 'INVALID_LINK',
  FORBIDDEN: 'FORBIDDEN',
  CSRF_REJECTED: 'CSRF_REJECTED',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  RANGE_NOT_SATISFIABLE: 'RANGE_NOT_SATISFIABLE',
  /** The resource existed but is gone for good (an export file past its expiry). */
  EXPIRED: 'EXPIRED',
  /** The request body did not arrive within the server's body timeout. */
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  RATE_LIMITED: 'RATE_LIMITED',
  /** More events are waiting to be stored than the server holds; nothing of the request was stored. */
  OVERLOADED: 'OVERLOADED',
  STORAGE_UNAVAILABLE: 'STORAGE_UNAVAILABLE',
  STORAGE_REJECTED: 'STORAGE_REJECTED',
  INTERNAL: 'INTERNAL',
  /** A stream destination resolves to a refused address range (SSRF guard). */
  DESTINATION_BLOCKED: 'DESTINATION_BLOCKED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The statuses a plugin's own error may answer with: refusals of the request, never a server fault. */
export type DeclaredErrorStatus = 400 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503;

/**
 * An error code a plugin declares for its own refusals (for example a source whose native payloads can
 * be well-formed yet unacceptable). The server answers it with `status`; the API reference lists it
 * with `when`. Codes are UPPER_SNAKE and must not repeat a core code or another plugin's.
 */
export interface DeclaredError {
  code: string;
  status: DeclaredErrorStatus;
  when: string;
}

/** A core code, or one a plugin declared (see DeclaredError). */
export type AnyErrorCode = ErrorCode | (string & Record<never, never>);

export const DECLARED_ERROR_CODE = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;

export class TrailmarkError extends Error {
  readonly code: AnyErrorCode;
  readonly details?: ErrorDetail[];
  constructor(code: AnyErrorCode, message: string, details?: ErrorDetail[], options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TrailmarkError';
    this.code = code;
    if (details && details.length > 0) this.details = details;
  }
}

export class ValidationError extends TrailmarkError {
  constructor(message: string, details: ErrorDetail[], code: ErrorCode = ErrorCode.VALIDATION_FAILED) {
    super(code, message, details);
    this.name = 'ValidationError';
  }
}

/** Too many attempts; `retryAfterSeconds` becomes the Retry-After header. */
export class RateLimitedError extends TrailmarkError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds: number) {
    super(ErrorCode.RATE_LIMITED, message);
    this.name = 'RateLimitedError';
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

export class NotFoundError extends TrailmarkError {
  constructor(message: string) {
    super(ErrorCode.NOT_FOUND, message);
    this.name = 'NotFoundError';
  }
}

export class StorageError extends TrailmarkError {
  constructor(message: string, options?: { cause?: unknown; code?: ErrorCode; details?: ErrorDetail[] }) {
    super(options?.code ?? ErrorCode.STORAGE_UNAVAILABLE, message, options?.details, {
      cause: options?.cause,
    });
    this.name = 'StorageError';
  }
}

export function isTrailmarkError(error: unknown): error is TrailmarkError {
  return error instanceof TrailmarkError;
}
