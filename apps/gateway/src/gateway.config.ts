import { type Env, list, loadConfig, secret, url } from '@portcullis/config';
import { z } from 'zod';

const httpUrl = (example: string) => url(['http:', 'https:'], example);

/**
 * The gateway's configuration, validated at boot. `PUBLIC_URL` is the URL AI clients use; the MCP
 * resource (the audience every client token must carry) is `${PUBLIC_URL}/mcp`.
 */
export const gatewayConfigSchema = z.object({
  PUBLIC_URL: httpUrl('https://mcp.example.com'),
  /** The OAuth issuer of client tokens (the auth service's public URL). Default: PUBLIC_URL. */
  AUTH_ISSUER_URL: httpUrl('https://mcp.example.com').optional(),
  /** Where the gateway fetches the issuer's signing keys. Default: ${AUTH_INTERNAL_URL}/oauth/jwks. */
  AUTH_JWKS_URL: httpUrl('http://portcullis-auth:8081/oauth/jwks').optional(),
  /** The auth service on the internal network (token broker, introspection). Default: PUBLIC_URL. */
  AUTH_INTERNAL_URL: httpUrl('http://portcullis-auth:8081').optional(),
  /** The hosted Okta MCP server on the internal network. */
  OKTA_MCP_URL: httpUrl('http://portcullis-okta-mcp:8091/mcp').optional(),
  INTERNAL_SERVICE_SECRET: secret(32),
  /** Scope a client token must carry to use the MCP endpoint. */
  MCP_REQUIRED_SCOPE: z.string().default('mcp'),
  /** Browser origins allowed to call /mcp (requests without Origin, i.e. non-browser clients, are always allowed). */
  ALLOWED_ORIGINS: list('https://claude.ai,https://app.example.com').default([]),
  UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  /** How long a call waits for the bus to acknowledge its audit intent before failing closed. */
  AUDIT_INTENT_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(3_000),
  /** Outcome events waiting for the bus; past this many, new calls fail closed rather than go unaudited. */
  AUDIT_BUFFER_LIMIT: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
  AUDIT_VERBOSITY: z.enum(['minimal', 'standard', 'full'], { error: 'must be minimal, standard or full' }).default('standard'),
  /** Policy used until governance has published one (tests and single-service set-ups): path to a JSON snapshot. */
  POLICY_SEED_FILE: z.string().optional(),
});

export type GatewayConfig = z.output<typeof gatewayConfigSchema> & {
  resource: string;
  issuer: string;
  jwksUrl: string;
  authInternalUrl: string;
  resourceMetadataUrl: string;
};

export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');

export function loadGatewayConfig(env: Env): GatewayConfig {
  const cfg = loadConfig('gateway', gatewayConfigSchema, env);
  const base = cfg.PUBLIC_URL.replace(/\/+$/, '');
  const authInternalUrl = (cfg.AUTH_INTERNAL_URL ?? base).replace(/\/+$/, '');
  return {
    ...cfg,
    PUBLIC_URL: base,
    resource: `${base}/mcp`,
    issuer: (cfg.AUTH_ISSUER_URL ?? base).replace(/\/+$/, ''),
    jwksUrl: cfg.AUTH_JWKS_URL ?? `${authInternalUrl}/oauth/jwks`,
    authInternalUrl,
    resourceMetadataUrl: `${base}/.well-known/oauth-protected-resource/mcp`,
  };
}
