import { z } from 'zod';
import { oneOf } from '../common/vocabulary';

export const TOOL_PREFIX = /^[a-z][a-z0-9]{0,23}$/;
const toolPrefix = z.string().regex(TOOL_PREFIX, {
  error:
    'must start with a lower-case letter and contain only lower-case letters and digits, at most 24 characters (e.g. "okta")',
});
const displayName = z
  .string()
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(200, { error: 'must be at most 200 characters' });
const scope = z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,200}$/, {
  error: 'must be an OAuth scope token (no spaces or quotes)',
});
const scopes = z.array(scope).max(50, { error: 'at most 50 scopes' });
const secretValue = z
  .string()
  .min(1, { error: 'must not be empty' })
  .max(4000, { error: 'must be at most 4000 characters' });
const clientId = z.string().trim().min(1, { error: 'must not be empty' }).max(200);
const httpUrl = z.string().max(2048).url({ error: 'must be an absolute URL' });
const headerName = z
  .string()
  .regex(/^[A-Za-z0-9-]{1,100}$/, { error: 'must be an HTTP header name (letters, digits and dashes)' })
  .refine(
    (h) =>
      ![
        'host',
        'content-length',
        'content-type',
        'connection',
        'transfer-encoding',
        'mcp-session-id',
        'mcp-protocol-version',
      ].includes(h.toLowerCase()),
    { error: 'is a header Portcullis manages itself; pick another name' },
  );

export const OKTA_MODES = ['per_user', 'service', 'client_credentials'] as const;
export const TRANSPORTS = ['streamable_http', 'sse'] as const;

const common = {
  displayName,
  toolPrefix: toolPrefix.optional(),
  requireToolApproval: z.boolean().nullable().optional(),
  paused: z.boolean().optional(),
};

export const remoteAuthSchema = z.discriminatedUnion(
  'type',
  [
    z.strictObject({ type: z.literal('none') }),
    z.strictObject({ type: z.literal('bearer'), token: secretValue.optional() }),
    z.strictObject({ type: z.literal('header'), name: headerName, value: secretValue.optional() }),
    z
      .strictObject({
        type: z.literal('oauth'),
        credentialMode: oneOf(OKTA_MODES, 'credential mode'),
        authorizationEndpoint: httpUrl.optional(),
        tokenEndpoint: httpUrl,
        clientId,
        clientSecret: secretValue.optional(),
        scopes: scopes.default([]),
      })
      .refine((a) => a.credentialMode === 'client_credentials' || a.authorizationEndpoint !== undefined, {
        error: 'is required for per_user and service modes (users or an admin sign in there)',
        path: ['authorizationEndpoint'],
      }),
  ],
  { error: 'type must be one of none, bearer, header, oauth' },
);
export type RemoteAuthInput = z.infer<typeof remoteAuthSchema>;

export const oktaCreateSchema = z.strictObject({
  catalogId: z.literal('okta'),
  ...common,
  oktaOrgUrl: z.string().max(2048),
  credentialMode: oneOf(OKTA_MODES, 'credential mode').default('per_user'),
  clientId,
  clientSecret: secretValue,
  scopes: scopes.optional(),
});

export const remoteCreateSchema = z.strictObject({
  catalogId: z.literal('remote-mcp'),
  ...common,
  url: z.string().max(2048),
  transport: oneOf(TRANSPORTS, 'transport').default('streamable_http'),
  auth: remoteAuthSchema.default({ type: 'none' }),
});

export const catalogIdSchema = z
  .object({ catalogId: oneOf(['okta', 'remote-mcp'], 'catalog entry') })
  .loose();

export const oktaPatchSchema = z
  .strictObject({
    displayName: displayName.optional(),
    toolPrefix: toolPrefix.optional(),
    requireToolApproval: z.boolean().nullable().optional(),
    paused: z.boolean().optional(),
    oktaOrgUrl: z.string().max(2048).optional(),
    credentialMode: oneOf(OKTA_MODES, 'credential mode').optional(),
    clientId: clientId.optional(),
    clientSecret: secretValue.optional(),
    scopes: scopes.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'send at least one field to change' });

export const remotePatchSchema = z
  .strictObject({
    displayName: displayName.optional(),
    toolPrefix: toolPrefix.optional(),
    requireToolApproval: z.boolean().nullable().optional(),
    paused: z.boolean().optional(),
    url: z.string().max(2048).optional(),
    transport: oneOf(TRANSPORTS, 'transport').optional(),
    auth: remoteAuthSchema.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { error: 'send at least one field to change' });

export type OktaCreate = z.infer<typeof oktaCreateSchema>;
export type RemoteCreate = z.infer<typeof remoteCreateSchema>;
export type OktaPatch = z.infer<typeof oktaPatchSchema>;
export type RemotePatch = z.infer<typeof remotePatchSchema>;

export const discoverBodySchema = z
  .strictObject({ full: z.boolean().default(false) })
  .default({ full: false });
