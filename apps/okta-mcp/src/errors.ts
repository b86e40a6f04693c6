import { OktaApiError } from '@portcullis/okta';

/**
 * Turns Okta failures into messages that tell the model (and the person behind it) what happened
 * and what to do next — which scope to grant, which role is missing, when to retry, what was not
 * found. These become `isError: true` tool results; stack traces and tokens never appear.
 */

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Names what was looked up, from the API path (e.g. `/api/v1/users/jane%40x.com` → user "jane@x.com"). */
export function describeTarget(path: string | undefined): string | undefined {
  if (!path) return undefined;
  const m =
    /^\/api\/v1\/(users|groups|apps)\/([^/]+)(?:\/(users|groups|lifecycle|appLinks|factors|sessions|apps)(?:\/([^/]+))?)?/.exec(
      path,
    );
  if (!m) return undefined;
  const kind = { users: 'user', groups: 'group', apps: 'application' }[m[1] as 'users' | 'groups' | 'apps'];
  const id = safeDecode(m[2]!);
  if (m[4] && (m[3] === 'users' || m[3] === 'groups')) {
    const sub = m[3] === 'users' ? 'user' : 'group';
    return `${kind} "${id}" or ${sub} "${safeDecode(m[4])}" (or that ${sub} is not assigned to/member of it)`;
  }
  return `${kind} "${id}"`;
}

export function oktaErrorMessage(err: OktaApiError, toolScopes: readonly string[], write: boolean): string {
  const code = err.errorCode ? `${err.errorCode}: ` : '';
  const causes = err.errorCauses.length
    ? ` Details: ${err.errorCauses.map((c) => c.errorSummary).join('; ')}.`
    : '';
  const ref = err.requestId ? ` (Okta request id ${err.requestId})` : '';
  const unchanged = ' Nothing was changed.';
  switch (err.kind) {
    case 'insufficient_scope': {
      const scope = err.requiredScope ?? toolScopes.join(' / ');
      return (
        `Okta refused the call because the Okta access token does not include the OAuth scope "${scope}". ` +
        `An Okta administrator must grant "${scope}" to the Portcullis Okta OIDC app (Okta Admin Console → Applications → ` +
        `the Portcullis app → Okta API Scopes → Grant), and the user must then reconnect their Okta account in Portcullis so ` +
        `a new token carries it.${write ? unchanged : ''}${ref}`
      );
    }
    case 'forbidden_role':
      return (
        `Okta refused the call (E0000006: You do not have permission to perform the requested action): the signed-in Okta ` +
        `user does not hold an Okta administrator role that allows this action. The token's scopes are not the problem — ` +
        `Okta requires both the scope and a suitable admin role (for example User Administrator for user changes, Group ` +
        `Membership Administrator for group membership, Application Administrator for apps). Ask an Okta Super ` +
        `Administrator to assign one, or have someone with that role do it.${write ? unchanged : ''}${ref}`
      );
    case 'invalid_token':
      return (
        `Okta rejected the access token (${code}${err.errorSummary}). It has expired, been revoked, or belongs to another ` +
        `org. Reconnect the Okta account in Portcullis (or ask an admin to renew the service connection) and try again.${ref}`
      );
    case 'not_found': {
      const what = describeTarget(err.path);
      return `Not found: Okta has no ${what ?? 'such resource'} visible to this user (${code}${err.errorSummary}). Check the id or login (list/search tools find them).${ref}`;
    }
    case 'rate_limited': {
      const when =
        err.rateLimitResetEpochSeconds !== undefined
          ? ` Retry after ${new Date(err.rateLimitResetEpochSeconds * 1000).toISOString()}`
          : ' Retry later';
      const wait = err.retryAfterSeconds !== undefined ? ` (in about ${err.retryAfterSeconds} s)` : '';
      return `Okta's rate limit for this API is exhausted (E0000047: ${err.errorSummary}).${when}${wait}.${write ? unchanged : ''}${ref}`;
    }
    case 'validation':
      return `Okta rejected the request as invalid (${code}${err.errorSummary}).${causes}${write ? unchanged : ''}${ref}`;
    case 'conflict':
      return `Okta reports a conflict (${code}${err.errorSummary}).${causes}${ref}`;
    case 'invalid_state':
      return `Okta does not allow this operation in the resource's current status (${code}${err.errorSummary}).${causes} Check the current status with a get tool.${ref}`;
    case 'forbidden':
      return `Okta refused the call (${code}${err.errorSummary}).${causes}${ref}`;
    case 'upstream_unavailable':
      return write
        ? `Okta did not respond properly (${code}${err.errorSummary}). The change may or may not have been applied — check the current state before retrying.${ref}`
        : `Okta did not respond properly (${code}${err.errorSummary}). Try again in a moment.${ref}`;
    case 'unexpected':
      return `Okta returned a response Portcullis could not use (${code}${err.errorSummary}).${ref}`;
  }
}
