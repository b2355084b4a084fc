// The failures use cases report; the HTTP layer maps each to its RFC 9457 status.

export abstract class DomainError extends Error {
  abstract readonly status: number;
}

/** 401: no valid credentials. The message never says which check failed beyond a short reason. */
export class UnauthenticatedError extends DomainError {
  override name = 'UnauthenticatedError';
  readonly status = 401;
}

/** 403: authenticated, but not allowed to do this. */
export class ForbiddenError extends DomainError {
  override name = 'ForbiddenError';
  readonly status = 403;
}

/** 404: not there, or not visible to this caller (never tells which). */
export class NotFoundError extends DomainError {
  override name = 'NotFoundError';
  readonly status = 404;
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends DomainError {
  override name = 'ConflictError';
  readonly status = 409;
}

/** 412: the If-Match ETag is stale. */
export class PreconditionFailedError extends DomainError {
  override name = 'PreconditionFailedError';
  readonly status = 412;
}

/** 422: well-formed, but a business rule refuses it; `rule` names it (e.g. R9). */
export class RuleViolationError extends DomainError {
  override name = 'RuleViolationError';
  readonly status = 422;
  constructor(
    readonly rule: string,
    message: string,
    /** More members of the problem (e.g. the numbers behind the refusal). */
    readonly extensions: Record<string, unknown> = {}
  ) {
    super(message);
  }
}

/** 400: a field-level validation failure found by a use case rather than a schema. */
export class ValidationError extends DomainError {
  override name = 'ValidationError';
  readonly status = 400;
  constructor(
    message: string,
    readonly errors: { pointer: string; detail: string }[]
  ) {
    super(message);
  }
}

/** 429 */
export class TooManyRequestsError extends DomainError {
  override name = 'TooManyRequestsError';
  readonly status = 429;
}

/**
 * 503: a service the platform depends on (its database, its file store) cannot be reached right now or says it
 * is unavailable; the request did not complete (a write cut off mid-way may still have landed), the caller may
 * send it again shortly. Adapters translate their SDK's transient failures into it
 * (shared/adapters/transientFailure.ts).
 */
export class ServiceUnavailableError extends DomainError {
  override name = 'ServiceUnavailableError';
  readonly status = 503;
  constructor(
    message: string,
    readonly retryAfterSeconds = 5
  ) {
    super(message);
  }
}
