import { requestId } from './ids';

/**
 * Okta Management API errors. Bodies follow Okta's shape exactly:
 * `{errorCode, errorSummary, errorLink (= errorCode), errorId, errorCauses:[{errorSummary}]}`.
 * Summaries come from Okta's published error catalog (error-codes.json).
 */
export class OktaApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly errorSummary: string,
    readonly causes: string[] = [],
    readonly headers: Record<string, string> = {},
  ) {
    super(`${errorCode}: ${errorSummary}`);
  }

  body(): OktaErrorBody {
    return oktaErrorBody(this.errorCode, this.errorSummary, this.causes);
  }
}

export interface OktaErrorBody {
  errorCode: string;
  errorSummary: string;
  errorLink: string;
  errorId: string;
  errorCauses: { errorSummary: string }[];
}

export function oktaErrorBody(code: string, summary: string, causes: string[] = []): OktaErrorBody {
  return {
    errorCode: code,
    errorSummary: summary,
    errorLink: code,
    errorId: `oae${requestId()}`,
    errorCauses: causes.map((c) => ({ errorSummary: c })),
  };
}

/** Factory helpers so handlers read like the Okta docs they mirror. */
export const Errors = {
  validation: (causes: string[], detail?: string): OktaApiError =>
    new OktaApiError(
      400,
      'E0000001',
      `Api validation failed: ${detail ?? causes[0]?.split(':')[0] ?? 'request'}`,
      causes,
    ),
  malformedBody: (): OktaApiError =>
    new OktaApiError(400, 'E0000003', 'The request body was not well-formed.'),
  invalidSession: (): OktaApiError => new OktaApiError(403, 'E0000005', 'Invalid session'),
  forbidden: (): OktaApiError =>
    new OktaApiError(403, 'E0000006', 'You do not have permission to perform the requested action'),
  notFound: (id: string, type: string): OktaApiError =>
    new OktaApiError(404, 'E0000007', `Not found: Resource not found: ${id} (${type})`),
  pathNotFound: (): OktaApiError => new OktaApiError(404, 'E0000008', 'The requested path was not found'),
  internal: (): OktaApiError => new OktaApiError(500, 'E0000009', 'Internal Server Error'),
  unavailable: (): OktaApiError => new OktaApiError(503, 'E0000010', 'Service is in read only mode'),
  invalidToken: (headers: Record<string, string> = {}): OktaApiError =>
    new OktaApiError(401, 'E0000011', 'Invalid token provided', [], headers),
  alreadyActive: (): OktaApiError =>
    new OktaApiError(403, 'E0000016', 'Activation failed because the user is already active'),
  methodNotAllowed: (allow: string[]): OktaApiError =>
    new OktaApiError(405, 'E0000022', 'The endpoint does not support the provided HTTP method', [], {
      Allow: allow.join(', '),
    }),
  invalidPaging: (): OktaApiError => new OktaApiError(400, 'E0000029', 'Invalid paging request.'),
  invalidDate: (): OktaApiError =>
    new OktaApiError(
      400,
      'E0000030',
      "Bad request. Invalid date. Dates must be of the form yyyy-MM-dd'T'HH:mm:ss.SSSZZ, e.g. 2013-01-01T12:00:00.000-07:00.",
    ),
  invalidSearch: (cause?: string): OktaApiError =>
    new OktaApiError(400, 'E0000031', 'Invalid search criteria.', cause ? [cause] : []),
  searchAndFilter: (): OktaApiError =>
    new OktaApiError(
      400,
      'E0000033',
      "Bad request. Can't specify a search query and filter in the same request.",
    ),
  wrongStatus: (): OktaApiError =>
    new OktaApiError(403, 'E0000038', "This operation is not allowed in the user's current status."),
  rateLimited: (headers: Record<string, string>): OktaApiError =>
    new OktaApiError(429, 'E0000047', 'API call exceeded rate limit due to too many requests.', [], headers),
  deleteAppForbidden: (): OktaApiError => new OktaApiError(403, 'E0000056', 'Delete application forbidden.'),
  alreadyAssigned: (): OktaApiError =>
    new OktaApiError(409, 'E0000062', 'The specified user is already assigned to the application.'),
  unsupportedFilter: (): OktaApiError =>
    new OktaApiError(400, 'E0000094', 'The provided filter is unsupported.'),
  inactiveUserAssignment: (): OktaApiError =>
    new OktaApiError(403, 'E0000117', 'Cannot assign apps or update app profiles for an inactive user.'),
};

/**
 * OAuth 2.0 / OIDC errors: `{error, error_description}` with Okta's exact strings
 * (okta-developer-docs `data/oauth2-error-codes.json`).
 */
export class OAuthError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly description: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(`${error}: ${description}`);
  }
}

export const OAuthErrors = {
  invalidClient: (): OAuthError =>
    new OAuthError(
      401,
      'invalid_client',
      'Client authentication failed. Either the client or the client credentials are invalid.',
    ),
  missingClientCredentials: (): OAuthError =>
    new OAuthError(401, 'invalid_client', 'No client credentials found.'),
  invalidBasic: (): OAuthError =>
    new OAuthError(
      401,
      'invalid_client',
      'Found Authentication header but was not valid client credentials.',
    ),
  invalidClientId: (): OAuthError =>
    new OAuthError(401, 'invalid_client', "Invalid value for 'client_id' parameter."),
  invalidClientSecret: (): OAuthError =>
    new OAuthError(401, 'invalid_client', 'The client secret supplied for a confidential client is invalid.'),
  multipleCredentials: (): OAuthError =>
    new OAuthError(
      401,
      'invalid_request',
      'Cannot supply multiple client credentials. Use one of the following: credentials in the Authorization header, credentials in the post body, or a client_assertion in the post body.',
    ),
  clientCredsNeedPrivateKeyJwt: (): OAuthError =>
    new OAuthError(
      401,
      'invalid_client',
      'Client Credentials requests to the Org Authorization Server must use the private_key_jwt token_endpoint_auth_method.',
    ),
  clientCredsNotService: (): OAuthError =>
    new OAuthError(
      401,
      'invalid_client',
      "Only clients with 'application_type' of 'service' may use the client_credentials 'grant_type' with the Org Authorization Server.",
    ),
  assertion: (description: string): OAuthError => new OAuthError(401, 'invalid_client', description),
  assertionType: (): OAuthError =>
    new OAuthError(400, 'invalid_request', 'The client_assertion_type is invalid.'),
  invalidCode: (): OAuthError =>
    new OAuthError(400, 'invalid_grant', 'The authorization code is invalid or has expired.'),
  pkceFailed: (): OAuthError => new OAuthError(400, 'invalid_grant', 'PKCE verification failed.'),
  redirectMismatch: (): OAuthError =>
    new OAuthError(
      400,
      'invalid_grant',
      "The 'redirect_uri' does not match the redirection URI used in the authorization request.",
    ),
  mismatchedClient: (): OAuthError =>
    new OAuthError(
      400,
      'invalid_grant',
      "The grant was issued to another client. Please make sure the 'client_id' matches the one used at the authorize request.",
    ),
  invalidRefresh: (): OAuthError =>
    new OAuthError(400, 'invalid_grant', 'The refresh token is invalid or expired.'),
  pkceVerifierRequired: (): OAuthError =>
    new OAuthError(400, 'invalid_request', 'PKCE code verifier is required by the application.'),
  pkceChallengeMissingVerifierPresent: (): OAuthError =>
    new OAuthError(
      400,
      'invalid_request',
      'PKCE code challenge should be specified in the authorize request for code verification.',
    ),
  missingParam: (name: string): OAuthError =>
    new OAuthError(400, 'invalid_request', `The required parameter '${name}' is missing.`),
  missingGrantType: (): OAuthError =>
    new OAuthError(
      400,
      'invalid_request',
      "The token request must specify a 'grant_type'. Valid values: [authorization_code, refresh_token, client_credentials]",
    ),
  missingToken: (): OAuthError =>
    new OAuthError(400, 'invalid_request', "The 'token' parameter is required."),
  unsupportedGrant: (): OAuthError =>
    new OAuthError(
      400,
      'unsupported_grant_type',
      'The authorization grant type is not supported by the authorization server. Configured grant types: [authorization_code, refresh_token, client_credentials].',
    ),
  unauthorizedClient: (configured: string[]): OAuthError =>
    new OAuthError(
      400,
      'unauthorized_client',
      `The client is not authorized to use the provided grant type. Configured grant types: [${configured.join(', ')}].`,
    ),
  invalidScopeNotConfigured: (): OAuthError =>
    new OAuthError(
      400,
      'invalid_scope',
      'One or more scopes are not configured for the authorization server resource.',
    ),
  noScopes: (): OAuthError => new OAuthError(400, 'invalid_scope', 'No scopes were requested.'),
  illegalScopes: (scopes: string[]): OAuthError =>
    new OAuthError(
      400,
      'invalid_scope',
      `The following scopes are not allowed for this request: [${scopes.join(', ')}].`,
    ),
  openidNotAllowedClientCreds: (): OAuthError =>
    new OAuthError(400, 'invalid_scope', "Cannot request 'openid' scopes using client credentials."),
  selfScopeClientCreds: (): OAuthError =>
    new OAuthError(
      400,
      'client_credentials_self_scope_requested',
      "The 'client_credentials' grant type may not request .self scopes.",
    ),
  refreshScopesDenied: (scopes: string[]): OAuthError =>
    new OAuthError(
      400,
      'access_denied',
      `Some of the scopes requested for the refresh request were not granted in the original authorize request. Denied scopes: ${scopes.join(', ')}.`,
    ),
  invalidToken: (): OAuthError =>
    new OAuthError(401, 'invalid_token', 'The access token is invalid.', {
      'WWW-Authenticate': 'Bearer error="invalid_token", error_description="The access token is invalid."',
    }),
  server: (): OAuthError =>
    new OAuthError(
      500,
      'server_error',
      'The authorization server encountered an unexpected condition that prevented it from fulfilling the request.',
    ),
};

/** A response with no body (e.g. Okta's 403 insufficient_scope, which carries only a header). */
export class BareHttpError extends Error {
  constructor(
    readonly status: number,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}
