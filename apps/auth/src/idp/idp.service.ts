import { Inject, Injectable } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import type { Request } from 'express';
import { type BaseClient, custom, errors as oidcErrors, generators, Issuer } from 'openid-client';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { FlowStateRepository } from '../sessions/flow-state.repository';

interface IdpLoginState {
  nonce: string;
  codeVerifier: string;
  returnTo: string;
}

export interface IdpIdentity {
  issuer: string;
  subject: string;
  email: string | null;
  name: string | null;
  groups: string[];
}

export class IdpSignInError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'IdpSignInError';
  }
}

const LOGIN_TTL_SECONDS = 600;

/**
 * Sign-in through the organization IdP over OIDC (authorization code + PKCE + nonce), with
 * openid-client. Discovery happens on first use and is retried after a failure, so auth starts
 * even while the IdP is briefly unreachable.
 */
@Injectable()
export class IdpService {
  private client?: Promise<BaseClient>;

  constructor(
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly flows: FlowStateRepository,
  ) {
    custom.setHttpOptionsDefaults({ timeout: 10_000 });
  }

  get redirectUri(): string {
    return `${this.cfg.issuer}/oauth/idp/callback`;
  }

  private getClient(): Promise<BaseClient> {
    this.client ??= Issuer.discover(this.cfg.IDP_ISSUER_URL)
      .then(
        (issuer) =>
          new issuer.Client({
            client_id: this.cfg.IDP_CLIENT_ID,
            client_secret: this.cfg.IDP_CLIENT_SECRET,
            redirect_uris: [this.redirectUri],
            response_types: ['code'],
          }),
      )
      .catch((err: unknown) => {
        this.client = undefined;
        throw new IdpSignInError(
          'temporarily_unavailable',
          `The organization's identity provider at ${this.cfg.IDP_ISSUER_URL} could not be reached (${(err as Error).message}); try again shortly.`,
        );
      });
    return this.client;
  }

  /** Where to send the browser to sign in; after sign-in it comes back to `returnTo` (a local path). */
  async loginUrl(returnTo: string): Promise<string> {
    const client = await this.getClient();
    const codeVerifier = generators.codeVerifier();
    const nonce = generators.nonce();
    const state = await this.flows.put<IdpLoginState>(
      this.platform.tenantId,
      'idp_login',
      { nonce, codeVerifier, returnTo: safeReturnTo(returnTo) },
      LOGIN_TTL_SECONDS,
    );
    return client.authorizationUrl({
      scope: this.cfg.IDP_SCOPES,
      redirect_uri: this.redirectUri,
      state,
      nonce,
      code_challenge: generators.codeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
  }

  /** Completes the IdP redirect: verifies state, PKCE and the ID token; returns who signed in. */
  async complete(req: Request): Promise<{ identity: IdpIdentity; returnTo: string }> {
    const client = await this.getClient();
    const params = client.callbackParams(req);
    const state = typeof params.state === 'string' ? params.state : '';
    const login = state
      ? await this.flows.take<IdpLoginState>(this.platform.tenantId, 'idp_login', state)
      : null;
    if (!login) {
      throw new IdpSignInError(
        'invalid_request',
        'This sign-in link has expired or was already used. Start again from your AI client.',
      );
    }
    if (params.error) {
      throw new IdpSignInError(
        params.error,
        params.error_description ?? 'The identity provider refused the sign-in.',
      );
    }
    let tokenSet;
    try {
      tokenSet = await client.callback(this.redirectUri, params, {
        state,
        nonce: login.nonce,
        code_verifier: login.codeVerifier,
      });
    } catch (err) {
      if (err instanceof oidcErrors.OPError)
        throw new IdpSignInError(err.error ?? 'server_error', err.error_description ?? err.message);
      if (err instanceof oidcErrors.RPError)
        throw new IdpSignInError(
          'invalid_id_token',
          `The identity provider's answer failed validation: ${err.message}`,
        );
      throw new IdpSignInError(
        'temporarily_unavailable',
        `The identity provider could not be reached: ${(err as Error).message}`,
      );
    }
    const claims = tokenSet.claims() as Record<string, unknown>;
    let groupsClaim = claims[this.cfg.IDP_GROUPS_CLAIM];
    let email = typeof claims.email === 'string' ? claims.email : null;
    let name = typeof claims.name === 'string' ? claims.name : null;
    if (
      (groupsClaim === undefined || email === null) &&
      tokenSet.access_token &&
      client.issuer.metadata.userinfo_endpoint
    ) {
      // Some IdPs put groups (or email) only in userinfo.
      try {
        const info = (await client.userinfo(tokenSet.access_token)) as Record<string, unknown>;
        groupsClaim ??= info[this.cfg.IDP_GROUPS_CLAIM];
        email ??= typeof info.email === 'string' ? info.email : null;
        name ??= typeof info.name === 'string' ? info.name : null;
      } catch (err) {
        this.platform.logger.warn(
          { err },
          'userinfo request to the IdP failed; continuing with ID token claims',
        );
      }
    }
    const groups = Array.isArray(groupsClaim)
      ? groupsClaim.filter((g): g is string => typeof g === 'string')
      : typeof groupsClaim === 'string'
        ? [groupsClaim]
        : [];
    return {
      identity: { issuer: client.issuer.metadata.issuer, subject: String(claims.sub), email, name, groups },
      returnTo: login.returnTo,
    };
  }
}

/** Only local absolute paths: an open redirect through the sign-in flow is not possible. */
export function safeReturnTo(v: string): string {
  return v.startsWith('/') && !v.startsWith('//') && !v.startsWith('/\\') ? v : '/';
}
