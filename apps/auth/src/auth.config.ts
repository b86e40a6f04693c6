import { bool, type Env, list, loadConfig, secret, url } from '@portcullis/config';
import { parseKeyEncryptionKeys } from '@portcullis/crypto';
import { z } from 'zod';

/**
 * The auth service's configuration: ONE schema, validated at boot. A missing or bad variable stops
 * start-up with a message naming it. Secrets (IDP_CLIENT_SECRET, PORTCULLIS_KEKS,
 * INTERNAL_SERVICE_SECRET, PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN) are never echoed.
 */
const httpUrl = (example: string) => url(['http:', 'https:'], example);

const seconds = (def: number, min: number, max: number) =>
  z.coerce.number({ error: 'must be a number of seconds' }).int().min(min).max(max).default(def);

export const authConfigSchema = z.object({
  /** The URL AI clients and browsers use to reach auth (in embedded mode: the one process URL). It is the OAuth issuer. */
  PUBLIC_URL: httpUrl('https://portcullis.example.com').refine(
    (v) => {
      const p = new URL(v).pathname;
      return p === '/' || p === '';
    },
    {
      error:
        'must be an origin without a path (e.g. https://portcullis.example.com); the OAuth issuer is served at the root',
    },
  ),
  /** RFC 8707 resource indicator of the gateway's MCP endpoint; access tokens carry it as `aud`. Default `${PUBLIC_URL}/mcp`. */
  GATEWAY_RESOURCE_URL: httpUrl('https://portcullis.example.com/mcp').optional(),

  IDP_ISSUER_URL: httpUrl('https://acme.okta.com'),
  IDP_CLIENT_ID: z
    .string({ error: 'is required (the client id of the Portcullis OIDC app at your IdP)' })
    .min(1),
  IDP_CLIENT_SECRET: secret(1),
  IDP_SCOPES: z.string().default('openid profile email groups'),
  /** Name of the ID-token / userinfo claim holding the user's IdP groups. */
  IDP_GROUPS_CLAIM: z.string().default('groups'),

  PORTCULLIS_KEKS: secret(1).superRefine((v, ctx) => {
    try {
      parseKeyEncryptionKeys(v);
    } catch (err) {
      ctx.addIssue({
        code: 'custom',
        message: `must be "kid:base64-32-byte-key[,kid2:key2]": ${(err as Error).message}`,
      });
    }
  }),
  INTERNAL_SERVICE_SECRET: secret(32),
  ADMIN_GROUPS: list('Portcullis Admins').default(['Portcullis Admins']),
  PORTCULLIS_BOOTSTRAP_ADMIN_TOKEN: secret(32).optional(),

  ACCESS_TOKEN_TTL_SECONDS: seconds(600, 1, 86_400),
  REFRESH_TOKEN_TTL_SECONDS: seconds(30 * 86_400, 60, 365 * 86_400),
  AUTHORIZATION_CODE_TTL_SECONDS: seconds(60, 5, 600),
  SESSION_TTL_SECONDS: seconds(8 * 3600, 60, 30 * 86_400),
  CONNECT_TICKET_TTL_SECONDS: seconds(900, 30, 86_400),
  SIGNING_ALG: z.enum(['RS256', 'ES256'], { error: 'must be RS256 or ES256' }).default('RS256'),

  CIMD_ALLOW_LOOPBACK: bool(false),
  CIMD_ALLOWED_HOSTS: list('metadata.internal.example.com').default([]),
  CIMD_MAX_BYTES: z.coerce.number().int().min(512).max(65_536).default(5120),
  CIMD_TIMEOUT_MS: z.coerce.number().int().min(100).max(30_000).default(3000),
  CIMD_CACHE_TTL_SECONDS: seconds(300, 0, 86_400),
  /** Extra PEM CA certificates trusted when fetching client metadata documents (internal CAs, tests). */
  CIMD_CA_CERTS: z.string().optional(),

  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** How long a rotated-away upstream client secret is still tried when the new one is refused. */
  UPSTREAM_PREVIOUS_SECRET_GRACE_SECONDS: seconds(86_400, 0, 30 * 86_400),
});

export type AuthConfig = z.output<typeof authConfigSchema> & {
  GATEWAY_RESOURCE_URL: string;
  /** PUBLIC_URL without a trailing slash. */
  issuer: string;
  secureCookies: boolean;
};

export const AUTH_CONFIG = Symbol('AUTH_CONFIG');

export function loadAuthConfig(env: Env): AuthConfig {
  const cfg = loadConfig('auth', authConfigSchema, env);
  const issuer = cfg.PUBLIC_URL.replace(/\/+$/, '');
  return {
    ...cfg,
    PUBLIC_URL: issuer,
    issuer,
    GATEWAY_RESOURCE_URL: cfg.GATEWAY_RESOURCE_URL ?? `${issuer}/mcp`,
    secureCookies: issuer.startsWith('https:'),
  };
}
