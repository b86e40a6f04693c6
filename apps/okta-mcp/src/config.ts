import { z } from 'zod';
import { commonSchema, internalSchema, list, loadConfig, port, type Env } from '@portcullis/config';
import { parseOrgAllowlist } from '@portcullis/okta';

/** okta-mcp configuration (environment variables, validated at boot by @portcullis/config). */
export const oktaMcpConfigSchema = z.object({
  ...commonSchema,
  ...internalSchema,
  OKTA_MCP_PORT: port(8091),
  /** Extra Okta org origins, comma-separated, e.g. `http://127.0.0.1:*` for the simulator. */
  OKTA_ORG_ALLOWLIST: list('http://127.0.0.1:*')
    .superRefine((entries, ctx) => {
      try {
        parseOrgAllowlist(entries);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: (err as Error).message });
      }
    })
    .default([]),
  OKTA_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(10_000),
  OKTA_RATE_LIMIT_BUDGET_MS: z.coerce.number().int().min(0).max(60_000).default(5_000),
});

export type OktaMcpConfig = z.output<typeof oktaMcpConfigSchema>;

export function loadOktaMcpConfig(env?: Env): OktaMcpConfig {
  return loadConfig('okta-mcp', oktaMcpConfigSchema, env);
}
