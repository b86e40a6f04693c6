import { parseBearerChallenge, firstHeader, rateLimitWaitMs, type HeaderBag } from './headers';

/**
 * Typed Okta failures. Callers branch on `kind` (stable, ours) rather than on HTTP status or raw
 * `errorCode`, because several codes share a status (403 means a missing scope, a missing admin
 * role, or a lifecycle conflict) and Okta documents `errorCode` as the only stable field.
 */
export type OktaErrorKind =
  /** 403 + `WWW-Authenticate: Bearer error="insufficient_scope"`: the token lacks an OAuth scope. */
  | 'insufficient_scope'
  /** 403 E0000006: the token's user (or service app) lacks an admin role/permission for this action. */
  | 'forbidden_role'
  /** Any other 403 without a more specific meaning. */
  | 'forbidden'
  /** 401 (E0000011 and friends): token missing, expired, revoked or for another org. */
  | 'invalid_token'
  /** 404 E0000007/E0000008: the resource (or path) does not exist. */
  | 'not_found'
  /** 429 E0000047: rate limit, after any in-budget waiting. */
  | 'rate_limited'
  /** 400 E0000001/E0000003/E0000031/E0000094…: Okta rejected the request's content. */
  | 'validation'
  /** 409: conflicting state, e.g. E0000062 user already assigned to the app. */
  | 'conflict'
  /** The resource is in a lifecycle status that does not allow the operation (E0000038, E0000016…). */
  | 'invalid_state'
  /** 5xx, timeouts and network failures: Okta (or the path to it) is not answering properly. */
  | 'upstream_unavailable'
  /** A response we cannot interpret (unexpected status, malformed pagination link…). */
  | 'unexpected';

export interface OktaErrorCause {
  errorSummary: string;
}

export interface OktaErrorInit {
  kind: OktaErrorKind;
  status: number;
  errorCode?: string;
  errorSummary: string;
  errorCauses?: OktaErrorCause[];
  requestId?: string;
  requiredScope?: string;
  retryAfterSeconds?: number;
  /** Epoch seconds at which the rate-limit window reopens. */
  rateLimitResetEpochSeconds?: number;
  method?: string;
  path?: string;
  cause?: unknown;
}

export class OktaApiError extends Error {
  readonly kind: OktaErrorKind;
  /** HTTP status, or 0 when no response arrived (network error, timeout). */
  readonly status: number;
  readonly errorCode?: string;
  readonly errorSummary: string;
  readonly errorCauses: OktaErrorCause[];
  /** `X-Okta-Request-Id`, for Okta support and for matching System Log entries. */
  readonly requestId?: string;
  /** For `insufficient_scope`: the scope Okta says the call needs (from `WWW-Authenticate`). */
  readonly requiredScope?: string;
  /** For `rate_limited`: seconds until Okta accepts calls again (best estimate). */
  readonly retryAfterSeconds?: number;
  readonly rateLimitResetEpochSeconds?: number;
  readonly method?: string;
  readonly path?: string;

  constructor(init: OktaErrorInit) {
    super(
      `Okta ${init.method ?? ''} ${init.path ?? ''} failed (${init.status || 'no response'}${
        init.errorCode ? ' ' + init.errorCode : ''
      }, ${init.kind}): ${init.errorSummary}`.replace(/\s+/g, ' '),
      init.cause !== undefined ? { cause: init.cause } : undefined,
    );
    this.name = 'OktaApiError';
    this.kind = init.kind;
    this.status = init.status;
    this.errorSummary = init.errorSummary;
    this.errorCauses = init.errorCauses ?? [];
    if (init.errorCode !== undefined) this.errorCode = init.errorCode;
    if (init.requestId !== undefined) this.requestId = init.requestId;
    if (init.requiredScope !== undefined) this.requiredScope = init.requiredScope;
    if (init.retryAfterSeconds !== undefined) this.retryAfterSeconds = init.retryAfterSeconds;
    if (init.rateLimitResetEpochSeconds !== undefined)
      this.rateLimitResetEpochSeconds = init.rateLimitResetEpochSeconds;
    if (init.method !== undefined) this.method = init.method;
    if (init.path !== undefined) this.path = init.path;
  }
}

const INVALID_STATE_CODES = new Set([
  'E0000016', // activation failed: user already active
  'E0000038', // operation not allowed in the user's current status
  'E0000056', // delete application forbidden (app still active)
  'E0000112', // user still being activated
  'E0000117', // cannot assign apps to an inactive user
]);

interface OktaErrorBody {
  errorCode?: unknown;
  errorSummary?: unknown;
  errorCauses?: unknown;
  error?: unknown;
  error_description?: unknown;
}

function parseBody(text: string): OktaErrorBody | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as OktaErrorBody) : undefined;
  } catch {
    return undefined;
  }
}

function causesOf(body: OktaErrorBody | undefined): OktaErrorCause[] {
  if (!body || !Array.isArray(body.errorCauses)) return [];
  return body.errorCauses
    .map((c: unknown) =>
      c && typeof c === 'object' && typeof (c as { errorSummary?: unknown }).errorSummary === 'string'
        ? { errorSummary: (c as { errorSummary: string }).errorSummary }
        : undefined,
    )
    .filter((c): c is OktaErrorCause => c !== undefined)
    .slice(0, 20);
}

/** Maps one non-2xx Okta response to a typed error. */
export function errorFromResponse(args: {
  status: number;
  headers: HeaderBag;
  bodyText: string;
  method: string;
  path: string;
  nowMs?: number;
}): OktaApiError {
  const { status, headers, method, path } = args;
  const body = parseBody(args.bodyText);
  const errorCode = typeof body?.errorCode === 'string' ? body.errorCode : undefined;
  const summaryFromBody =
    typeof body?.errorSummary === 'string'
      ? body.errorSummary
      : typeof body?.error_description === 'string'
        ? body.error_description
        : undefined;
  const requestId = firstHeader(headers, 'x-okta-request-id');
  const challenge = parseBearerChallenge(headers);
  const base = {
    status,
    errorCauses: causesOf(body),
    method,
    path,
    ...(errorCode !== undefined ? { errorCode } : {}),
    ...(requestId !== undefined ? { requestId } : {}),
  };

  if (status === 403 && challenge?.error === 'insufficient_scope') {
    return new OktaApiError({
      ...base,
      kind: 'insufficient_scope',
      errorSummary:
        challenge.errorDescription ?? 'The access token provided does not contain the required scopes.',
      ...(challenge.scope ? { requiredScope: challenge.scope } : {}),
    });
  }
  if (status === 401 || (challenge?.error === 'invalid_token' && status !== 403)) {
    return new OktaApiError({
      ...base,
      kind: 'invalid_token',
      errorSummary: summaryFromBody ?? challenge?.errorDescription ?? 'Invalid token provided',
    });
  }
  if (status === 429 || errorCode === 'E0000047') {
    const waitMs = rateLimitWaitMs(headers, args.nowMs ?? Date.now());
    const reset = Number(firstHeader(headers, 'x-rate-limit-reset'));
    return new OktaApiError({
      ...base,
      kind: 'rate_limited',
      errorSummary: summaryFromBody ?? 'API call exceeded rate limit due to too many requests.',
      ...(waitMs !== undefined ? { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) } : {}),
      ...(Number.isFinite(reset) && reset > 0 ? { rateLimitResetEpochSeconds: reset } : {}),
    });
  }
  const summary = summaryFromBody ?? `HTTP ${status}`;
  if (errorCode && INVALID_STATE_CODES.has(errorCode)) {
    return new OktaApiError({ ...base, kind: 'invalid_state', errorSummary: summary });
  }
  if (status === 403) {
    return new OktaApiError({
      ...base,
      kind: errorCode === 'E0000006' ? 'forbidden_role' : 'forbidden',
      errorSummary: summaryFromBody ?? 'You do not have permission to perform the requested action',
    });
  }
  if (status === 404) return new OktaApiError({ ...base, kind: 'not_found', errorSummary: summary });
  if (status === 409) return new OktaApiError({ ...base, kind: 'conflict', errorSummary: summary });
  if (
    status === 400 ||
    status === 405 ||
    status === 411 ||
    status === 413 ||
    status === 415 ||
    status === 422
  ) {
    return new OktaApiError({ ...base, kind: 'validation', errorSummary: summary });
  }
  if (status >= 500)
    return new OktaApiError({ ...base, kind: 'upstream_unavailable', errorSummary: summary });
  return new OktaApiError({ ...base, kind: 'unexpected', errorSummary: summary });
}
