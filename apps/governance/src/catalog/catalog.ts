/**
 * The server catalog — data, not code: what an admin can register and which fields each entry
 * asks for. Okta first (hosted by Portcullis), then any remote MCP server reachable over HTTPS.
 * The admin API serves this as-is at GET /api/v1/catalog, and registration validates against it.
 */
export type CredentialMode = 'per_user' | 'service' | 'client_credentials' | 'static' | 'none';

export interface CatalogField {
  name: string;
  label: string;
  description: string;
  type: 'string' | 'url' | 'secret' | 'string[]' | 'enum' | 'boolean';
  required: boolean;
  /** Write-only: accepted on create/update, reported back only as "configured". */
  secret?: boolean;
  placeholder?: string;
  default?: unknown;
  values?: readonly string[];
}

export interface CatalogCredentialMode {
  mode: CredentialMode;
  label: string;
  description: string;
}

export interface CatalogEntry {
  id: 'okta' | 'remote-mcp';
  displayName: string;
  description: string;
  /** hosted: Portcullis runs the MCP server; remote: an admin-supplied URL. */
  hosting: 'hosted' | 'remote';
  kind: string;
  defaultToolPrefix: string;
  defaultScopes: readonly string[];
  optionalScopes: readonly string[];
  credentialModes: readonly CatalogCredentialMode[];
  fields: readonly CatalogField[];
  docsUrl?: string;
}

export const OKTA_READ_SCOPES = [
  'okta.users.read',
  'okta.groups.read',
  'okta.apps.read',
  'okta.logs.read',
] as const;
export const OKTA_MANAGE_SCOPES = ['okta.users.manage', 'okta.groups.manage', 'okta.apps.manage'] as const;

const commonFields: CatalogField[] = [
  {
    name: 'displayName',
    label: 'Display name',
    description: 'How the server appears to admins and in toolset names.',
    type: 'string',
    required: true,
  },
  {
    name: 'toolPrefix',
    label: 'Tool prefix',
    description:
      'Tools are exposed to AI clients as <prefix>_<tool>. Lower-case letters and digits, starting with a letter, at most 24 characters; unique per tenant.',
    type: 'string',
    required: false,
  },
  {
    name: 'requireToolApproval',
    label: 'Tool approval',
    description:
      'Whether newly discovered tools wait for review (true), are approved at once (false), or follow the tenant setting (null).',
    type: 'boolean',
    required: false,
    default: null,
  },
  {
    name: 'paused',
    label: 'Paused',
    description: 'A paused server keeps its configuration but no call reaches it.',
    type: 'boolean',
    required: false,
    default: false,
  },
];

export const CATALOG: readonly CatalogEntry[] = [
  {
    id: 'okta',
    displayName: 'Okta',
    description:
      'The Okta Management API as MCP tools (users, groups, apps, System Log), hosted by Portcullis. Needs an Okta OIDC web app (client id and secret) with the okta.* scopes granted.',
    hosting: 'hosted',
    kind: 'okta',
    defaultToolPrefix: 'okta',
    defaultScopes: [...OKTA_READ_SCOPES, ...OKTA_MANAGE_SCOPES],
    optionalScopes: [],
    credentialModes: [
      {
        mode: 'per_user',
        label: 'Per-user OAuth',
        description: 'Each user connects their own Okta account; calls run with their Okta permissions.',
      },
      {
        mode: 'service',
        label: 'Service mode',
        description:
          'An admin authorizes once; every call reaches Okta as that identity and is still attributed to the real user in the audit log.',
      },
      {
        mode: 'client_credentials',
        label: 'Client credentials',
        description: 'An Okta service app authenticates as itself (no user involved).',
      },
    ],
    fields: [
      ...commonFields,
      {
        name: 'oktaOrgUrl',
        label: 'Okta org URL',
        description: 'https://<org>.okta.com (or .oktapreview.com / .okta-emea.com).',
        type: 'url',
        required: true,
        placeholder: 'https://acme.okta.com',
      },
      {
        name: 'credentialMode',
        label: 'Credential mode',
        description: 'Whose Okta identity calls run as.',
        type: 'enum',
        required: true,
        values: ['per_user', 'service', 'client_credentials'],
        default: 'per_user',
      },
      {
        name: 'clientId',
        label: 'Client ID',
        description: 'Client ID of the Okta OIDC app.',
        type: 'string',
        required: true,
      },
      {
        name: 'clientSecret',
        label: 'Client secret',
        description: 'Client secret of the Okta OIDC app. Write-only.',
        type: 'secret',
        required: true,
        secret: true,
      },
      {
        name: 'scopes',
        label: 'Scopes',
        description: 'OAuth scopes requested from the Okta org authorization server.',
        type: 'string[]',
        required: false,
        default: [...OKTA_READ_SCOPES, ...OKTA_MANAGE_SCOPES],
      },
    ],
    docsUrl: '/docs/admin-guide.md#registering-servers',
  },
  {
    id: 'remote-mcp',
    displayName: 'Remote MCP server',
    description:
      'Any MCP server reachable over HTTPS (Streamable HTTP or SSE), with no credential, a bearer token, a custom header, or OAuth.',
    hosting: 'remote',
    kind: 'remote',
    defaultToolPrefix: 'mcp',
    defaultScopes: [],
    optionalScopes: [],
    credentialModes: [
      { mode: 'none', label: 'No credential', description: 'The server needs no authentication.' },
      {
        mode: 'static',
        label: 'Bearer token or header',
        description: 'One shared secret (bearer token or custom header) sent on every call.',
      },
      {
        mode: 'per_user',
        label: 'Per-user OAuth',
        description: 'Each user authorizes against the server’s authorization server.',
      },
      {
        mode: 'service',
        label: 'Service OAuth',
        description: 'An admin authorizes once; every call uses that identity.',
      },
      {
        mode: 'client_credentials',
        label: 'Client credentials',
        description: 'OAuth client credentials grant.',
      },
    ],
    fields: [
      ...commonFields,
      {
        name: 'url',
        label: 'Server URL',
        description: 'The MCP endpoint, https only.',
        type: 'url',
        required: true,
        placeholder: 'https://mcp.example.com/mcp',
      },
      {
        name: 'transport',
        label: 'Transport',
        description: 'Streamable HTTP (current) or the legacy HTTP+SSE transport.',
        type: 'enum',
        required: false,
        values: ['streamable_http', 'sse'],
        default: 'streamable_http',
      },
      {
        name: 'auth',
        label: 'Authentication',
        description:
          '{type:"none"} | {type:"bearer", token} | {type:"header", name, value} | {type:"oauth", credentialMode, authorizationEndpoint, tokenEndpoint, clientId, clientSecret, scopes}. Secrets are write-only.',
        type: 'string',
        required: false,
        default: { type: 'none' },
      },
    ],
  },
];

export function catalogEntry(id: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.id === id);
}
