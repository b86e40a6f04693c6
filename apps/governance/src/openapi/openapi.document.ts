import { z } from 'zod';
import { MAX_LIMIT } from '../common/pagination';
import { KILL_SWITCH_SCOPES } from '../common/vocabulary';
import { killSwitchCreateSchema } from '../kill-switches/kill-switches.service';
import { profileCreateSchema, profilePatchSchema } from '../profiles/profiles.service';
import {
  discoverBodySchema,
  oktaCreateSchema,
  oktaPatchSchema,
  remoteCreateSchema,
  remotePatchSchema,
} from '../servers/server.schemas';
import { settingsPatchSchema, settingsPutSchema } from '../settings/settings.service';
import { toolBulkSchema, toolPatchSchema } from '../tools/tools.service';
import { toolsetCreateSchema, toolsetPatchSchema } from '../toolsets/toolsets.service';

/**
 * The admin API's OpenAPI 3.1 document. Request bodies are generated from the same zod schemas
 * the controllers validate with, so the document cannot drift from what the API accepts.
 */
type Json = Record<string, unknown>;

function schemaOf(s: z.ZodType): Json {
  const json = z.toJSONSchema(s, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Json;
  delete json['$schema'];
  return json;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const json = (schema: Json, description = 'OK') => ({
  description,
  content: { 'application/json': { schema } },
});
const page = (item: string) => ({
  type: 'object',
  required: ['data', 'nextCursor'],
  properties: {
    data: { type: 'array', items: ref(item) },
    nextCursor: {
      type: ['string', 'null'],
      description: 'Pass as ?cursor= for the next page; null on the last page.',
    },
  },
});

const idParam = (what: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  schema: { type: 'string', format: 'uuid' },
  description: `The ${what}'s id.`,
});
const ifMatch = {
  name: 'If-Match',
  in: 'header',
  required: true,
  schema: { type: 'string' },
  description: 'The ETag from your last GET (optimistic concurrency). Missing → 428, stale → 412.',
};
const idempotencyKey = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  schema: { type: 'string', maxLength: 200 },
  description:
    'Makes the POST safe to retry: the same key and request within 24 h replays the first response (header Idempotent-Replayed: true).',
};
const pageParams = [
  { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: 100 } },
  {
    name: 'cursor',
    in: 'query',
    schema: { type: 'string' },
    description: 'nextCursor from the previous page.',
  },
];
const common4xx = {
  '400': problem('Invalid input; errors[] names each bad field.'),
  '401': problem('No or invalid bearer credential.'),
  '403': problem('The credential is not an admin.'),
};
const write4xx = {
  ...common4xx,
  '404': problem('Unknown id.'),
  '409': problem('Conflict (e.g. name or prefix taken, maintained toolset, cycle).'),
  '412': problem('Stale If-Match.'),
  '413': problem('Body too large.'),
  '428': problem('If-Match missing.'),
};

function op(tag: string, summary: string, extra: Json): Json {
  return { tags: [tag], summary, security: [{ bearer: [] }], ...extra };
}

export function buildOpenApiDocument(serverUrl = '/'): Json {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portcullis governance admin API',
      version: '1.0.0',
      description:
        'Register MCP servers, review and approve their tools, group tools into toolsets, bind toolsets to access profiles, set tenant settings and kill switches, and ask who can call what. Errors are RFC 7807 problem details. Lists are cursor-paginated. Mutable resources carry an ETag; send it back in If-Match.',
    },
    servers: [{ url: serverUrl }],
    tags: [
      'Catalog',
      'Servers',
      'Tools',
      'Toolsets',
      'Access profiles',
      'Settings',
      'Kill switches',
      'Effective access',
      'Policy',
    ].map((name) => ({ name })),
    paths: {
      '/api/v1/catalog': {
        get: op('Catalog', 'List the server catalog', {
          responses: { '200': json(page('CatalogEntry')), ...common4xx },
        }),
      },
      '/api/v1/catalog/{id}': {
        get: op('Catalog', 'Get a catalog entry', {
          parameters: [{ ...idParam('catalog entry'), schema: { type: 'string' } }],
          responses: { '200': json(ref('CatalogEntry')), '404': problem('Unknown entry.') },
        }),
      },
      '/api/v1/servers': {
        get: op('Servers', 'List registered servers', {
          parameters: [
            ...pageParams,
            { name: 'catalogId', in: 'query', schema: { type: 'string', enum: ['okta', 'remote-mcp'] } },
          ],
          responses: { '200': json(page('Server')), ...common4xx },
        }),
        post: op('Servers', 'Register a server from the catalog', {
          description:
            'Okta (hosted) or a remote MCP server. Secrets are write-only: auth stores them; reads say "configured". Publishes ServerChanged and a new policy snapshot; discovery starts at once.',
          parameters: [idempotencyKey],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  oneOf: [ref('OktaServerCreate'), ref('RemoteServerCreate')],
                  discriminator: { propertyName: 'catalogId' },
                },
              },
            },
          },
          responses: {
            '201': json(ref('Server'), 'Registered'),
            ...write4xx,
            '502': problem('auth could not store the credentials; nothing was registered.'),
          },
        }),
      },
      '/api/v1/servers/{id}': {
        get: op('Servers', 'Get a server, with its last discovery status', {
          parameters: [idParam('server')],
          responses: { '200': json(ref('Server')), '404': problem('Unknown id.') },
        }),
        patch: op('Servers', 'Change a server (credentials, prefix, approval override, pause)', {
          parameters: [idParam('server'), ifMatch],
          requestBody: {
            required: true,
            content: {
              'application/json': { schema: { oneOf: [ref('OktaServerPatch'), ref('RemoteServerPatch')] } },
            },
          },
          responses: { '200': json(ref('Server')), ...write4xx },
        }),
        delete: op('Servers', 'Delete a server and its tools', {
          parameters: [idParam('server'), ifMatch],
          responses: { '204': { description: 'Deleted' }, ...write4xx },
        }),
      },
      '/api/v1/servers/{id}/pause': {
        post: op('Servers', 'Pause a server (no call reaches it)', {
          parameters: [idParam('server'), idempotencyKey],
          responses: { '200': json(ref('Server')), '404': problem('Unknown id.') },
        }),
      },
      '/api/v1/servers/{id}/resume': {
        post: op('Servers', 'Resume a paused server', {
          parameters: [idParam('server'), idempotencyKey],
          responses: { '200': json(ref('Server')), '404': problem('Unknown id.') },
        }),
      },
      '/api/v1/servers/{id}/discover': {
        post: op('Servers', 'Run discovery now', {
          description:
            "Asks discovery to list the server's tools now; `full: true` re-announces every tool (repairs drift). Poll GET /servers/{id} for discovery.last.",
          parameters: [idParam('server'), idempotencyKey],
          requestBody: {
            required: false,
            content: { 'application/json': { schema: schemaOf(discoverBodySchema) } },
          },
          responses: {
            '202': json(
              {
                type: 'object',
                properties: {
                  serverId: { type: 'string' },
                  requestId: { type: 'string' },
                  full: { type: 'boolean' },
                  status: { const: 'requested' },
                },
              },
              'Requested',
            ),
            '404': problem('Unknown id.'),
          },
        }),
      },
      '/api/v1/servers/{id}/test': {
        post: op('Servers', 'Test the connection', {
          description:
            "Okta: the org's OpenID configuration, issuer, endpoints, grant type, scopes and the client configuration. Remote: MCP initialize + tools/list.",
          parameters: [idParam('server')],
          responses: { '200': json(ref('ConnectionTest')), '404': problem('Unknown id.') },
        }),
      },
      '/api/v1/tools': {
        get: op('Tools', 'List tools', {
          parameters: [
            ...pageParams,
            { name: 'serverId', in: 'query', schema: { type: 'string', format: 'uuid' } },
            {
              name: 'state',
              in: 'query',
              schema: { type: 'string', enum: ['pending_review', 'approved', 'disabled', 'removed'] },
            },
            {
              name: 'classification',
              in: 'query',
              schema: {
                type: 'string',
                enum: ['read', 'write', 'destructive', 'sensitive', 'dangerous', 'unclassified'],
              },
            },
            {
              name: 'q',
              in: 'query',
              schema: { type: 'string' },
              description: 'Substring of name, title or description.',
            },
          ],
          responses: { '200': json(page('Tool')), ...common4xx },
        }),
      },
      '/api/v1/tools/bulk': {
        post: op('Tools', 'Approve, disable or send back to review many tools at once (all or nothing)', {
          parameters: [idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ToolBulk') } } },
          responses: {
            '200': json({
              type: 'object',
              properties: { data: { type: 'array', items: ref('Tool') }, changed: { type: 'integer' } },
            }),
            ...write4xx,
          },
        }),
      },
      '/api/v1/tools/{id}': {
        get: op('Tools', 'Get a tool', {
          parameters: [idParam('tool')],
          responses: { '200': json(ref('Tool')), '404': problem('Unknown id.') },
        }),
        patch: op('Tools', 'Review a tool: state, classification, allowed client types', {
          parameters: [idParam('tool'), ifMatch],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ToolPatch') } } },
          responses: { '200': json(ref('Tool')), ...write4xx },
        }),
      },
      '/api/v1/tools/{id}/history': {
        get: op('Tools', 'Every change to a tool (who, when, what, old → new definition hash)', {
          parameters: [idParam('tool'), ...pageParams],
          responses: { '200': json(page('ToolHistoryEntry')), '404': problem('Unknown id.') },
        }),
      },
      '/api/v1/tools/{id}/effective-access': {
        get: op('Effective access', 'Who can call this tool, and why', {
          parameters: [idParam('tool')],
          responses: {
            '200': json(ref('ToolEffectiveAccess')),
            '404': problem('Unknown id.'),
            '503': problem('No policy compiled yet.'),
          },
        }),
      },
      '/api/v1/toolsets': {
        get: op('Toolsets', 'List toolsets (custom and maintained)', {
          parameters: [
            ...pageParams,
            { name: 'kind', in: 'query', schema: { type: 'string', enum: ['custom', 'maintained'] } },
            { name: 'serverId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          ],
          responses: { '200': json(page('Toolset')), ...common4xx },
        }),
        post: op('Toolsets', 'Create a custom toolset', {
          parameters: [idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ToolsetCreate') } } },
          responses: { '201': json(ref('Toolset'), 'Created'), ...write4xx },
        }),
      },
      '/api/v1/toolsets/{id}': {
        get: op('Toolsets', 'Get a toolset with its effective tools', {
          parameters: [idParam('toolset')],
          responses: { '200': json(ref('Toolset')), '404': problem('Unknown id.') },
        }),
        patch: op('Toolsets', 'Change a custom toolset (maintained ones answer 409)', {
          parameters: [idParam('toolset'), ifMatch],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ToolsetPatch') } } },
          responses: { '200': json(ref('Toolset')), ...write4xx },
        }),
        delete: op('Toolsets', 'Delete a custom toolset that nothing uses', {
          parameters: [idParam('toolset'), ifMatch],
          responses: { '204': { description: 'Deleted' }, ...write4xx },
        }),
      },
      '/api/v1/profiles': {
        get: op('Access profiles', 'List access profiles', {
          parameters: [
            ...pageParams,
            { name: 'subject', in: 'query', schema: { type: 'string' } },
            { name: 'toolsetId', in: 'query', schema: { type: 'string', format: 'uuid' } },
          ],
          responses: { '200': json(page('Profile')), ...common4xx },
        }),
        post: op('Access profiles', 'Create an access profile', {
          parameters: [idempotencyKey],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ProfileCreate') } } },
          responses: { '201': json(ref('Profile'), 'Created'), ...write4xx },
        }),
      },
      '/api/v1/profiles/{id}': {
        get: op('Access profiles', 'Get an access profile', {
          parameters: [idParam('access profile')],
          responses: { '200': json(ref('Profile')), '404': problem('Unknown id.') },
        }),
        patch: op('Access profiles', 'Change toolsets, subjects (users, IdP groups, expiry) or name', {
          parameters: [idParam('access profile'), ifMatch],
          requestBody: { required: true, content: { 'application/json': { schema: ref('ProfilePatch') } } },
          responses: { '200': json(ref('Profile')), ...write4xx },
        }),
        delete: op('Access profiles', 'Delete an access profile', {
          parameters: [idParam('access profile'), ifMatch],
          responses: { '204': { description: 'Deleted' }, ...write4xx },
        }),
      },
      '/api/v1/settings': {
        get: op('Settings', 'Get the tenant settings', { responses: { '200': json(ref('Settings')) } }),
        put: op('Settings', 'Replace the tenant settings', {
          parameters: [ifMatch],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SettingsPut') } } },
          responses: { '200': json(ref('Settings')), ...write4xx },
        }),
        patch: op('Settings', 'Change some tenant settings', {
          parameters: [ifMatch],
          requestBody: { required: true, content: { 'application/json': { schema: ref('SettingsPatch') } } },
          responses: { '200': json(ref('Settings')), ...write4xx },
        }),
      },
      '/api/v1/kill-switches': {
        get: op('Kill switches', 'List engaged kill switches', {
          parameters: [
            ...pageParams,
            { name: 'scope', in: 'query', schema: { type: 'string', enum: [...KILL_SWITCH_SCOPES] } },
          ],
          responses: { '200': json(page('KillSwitch')), ...common4xx },
        }),
        post: op(
          'Kill switches',
          'Engage a kill switch (tenant, server, tool or AI client) — effective on every gateway within a second',
          {
            parameters: [idempotencyKey],
            requestBody: {
              required: true,
              content: { 'application/json': { schema: ref('KillSwitchCreate') } },
            },
            responses: {
              '201': json(ref('KillSwitch'), 'Engaged (alreadyEngaged: true when it was)'),
              ...write4xx,
            },
          },
        ),
      },
      '/api/v1/kill-switches/{id}': {
        get: op('Kill switches', 'Get a kill switch', {
          parameters: [idParam('kill switch')],
          responses: { '200': json(ref('KillSwitch')), '404': problem('Unknown id.') },
        }),
        delete: op('Kill switches', 'Release a kill switch', {
          parameters: [idParam('kill switch')],
          responses: { '204': { description: 'Released' }, '404': problem('Unknown id.') },
        }),
      },
      '/api/v1/effective-access': {
        get: op('Effective access', 'What can this user call, and why', {
          parameters: [
            {
              name: 'user',
              in: 'query',
              required: true,
              schema: { type: 'string' },
              description: 'Portcullis user id or email.',
            },
            {
              name: 'groups',
              in: 'query',
              schema: { type: 'string' },
              description: 'Comma-separated IdP group names.',
            },
            {
              name: 'clientType',
              in: 'query',
              schema: {
                type: 'string',
                enum: ['personal', 'shared', 'service', 'ephemeral'],
                default: 'personal',
              },
            },
            { name: 'clientId', in: 'query', schema: { type: 'string' } },
            {
              name: 'tool',
              in: 'query',
              schema: { type: 'string' },
              description: 'One tool (exposed name or id): answer with a single decision.',
            },
          ],
          responses: {
            '200': json(ref('CallerEffectiveAccess')),
            ...common4xx,
            '503': problem('No policy compiled yet.'),
          },
        }),
      },
      '/api/v1/policy': {
        get: op('Policy', 'Policy publication status (version, published version, pending changes)', {
          responses: { '200': json(ref('PolicyStatus')) },
        }),
      },
      '/api/v1/policy/snapshot': {
        get: op('Policy', 'The newest compiled policy snapshot (what the gateways enforce)', {
          responses: { '200': json({ type: 'object' }), '503': problem('No policy compiled yet.') },
        }),
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An admin API token, or an access token of a user with the Portcullis admin role.',
        },
      },
      schemas: {
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail'],
          properties: {
            type: {
              type: 'string',
              description:
                'urn:portcullis:problem:<slug>, e.g. validation-failed, not-found, precondition-failed, toolset-maintained.',
            },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            instance: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                required: ['field', 'message'],
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
        OktaServerCreate: schemaOf(oktaCreateSchema),
        RemoteServerCreate: schemaOf(remoteCreateSchema),
        OktaServerPatch: schemaOf(oktaPatchSchema),
        RemoteServerPatch: schemaOf(remotePatchSchema),
        ToolPatch: schemaOf(toolPatchSchema),
        ToolBulk: schemaOf(toolBulkSchema),
        ToolsetCreate: schemaOf(toolsetCreateSchema),
        ToolsetPatch: schemaOf(toolsetPatchSchema),
        ProfileCreate: schemaOf(profileCreateSchema),
        ProfilePatch: schemaOf(profilePatchSchema),
        SettingsPut: schemaOf(settingsPutSchema),
        SettingsPatch: schemaOf(settingsPatchSchema),
        KillSwitchCreate: schemaOf(killSwitchCreateSchema),
        CatalogEntry: {
          type: 'object',
          description: 'A registrable server type: fields, credential modes, default scopes and prefix.',
        },
        Server: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            catalogId: { type: 'string' },
            displayName: { type: 'string' },
            toolPrefix: { type: 'string' },
            oktaOrgUrl: { type: ['string', 'null'] },
            upstreamUrl: { type: ['string', 'null'] },
            credentialMode: { type: 'string' },
            auth: { type: 'object', description: 'Secrets appear only as "configured".' },
            requireToolApproval: { type: ['boolean', 'null'] },
            paused: { type: 'boolean' },
            killSwitchEngaged: { type: 'boolean' },
            tools: { type: 'object', description: 'Tool counts by state.' },
            toolsets: {
              type: 'array',
              items: { type: 'object' },
              description: 'The two maintained toolsets of the server.',
            },
            discovery: {
              type: 'object',
              description:
                'status (never_run, requested, ok, failed), requestedAt and the last run (ok, error, counts).',
            },
            revision: { type: 'integer' },
            etag: { type: 'string' },
          },
        },
        ConnectionTest: {
          type: 'object',
          properties: {
            ok: { type: 'boolean' },
            testedAt: { type: 'string' },
            checks: {
              type: 'array',
              items: {
                type: 'object',
                properties: {
                  name: { type: 'string' },
                  ok: { type: 'boolean' },
                  detail: { type: 'string' },
                  severity: { type: 'string' },
                },
              },
            },
          },
        },
        Tool: {
          type: 'object',
          properties: {
            id: { type: 'string' },
            serverId: { type: 'string' },
            name: { type: 'string' },
            exposedName: { type: 'string' },
            state: { type: 'string' },
            classification: { type: 'string' },
            defaultClassification: { type: 'string' },
            allowedClientTypes: { type: ['array', 'null'], items: { type: 'string' } },
            killSwitchEngaged: { type: 'boolean' },
            definitionHash: { type: 'string' },
            approvedHash: { type: ['string', 'null'] },
            changedSinceApproval: { type: 'boolean' },
            definition: { type: 'object' },
            revision: { type: 'integer' },
            etag: { type: 'string' },
          },
        },
        ToolHistoryEntry: {
          type: 'object',
          description:
            'who (actor), when (at), what (change), old → new state, classification and definition hash.',
        },
        Toolset: {
          type: 'object',
          description:
            'kind custom | server_all_approved | server_read; maintained toolsets are read-only; effectiveToolIds lists what it grants now.',
        },
        Profile: {
          type: 'object',
          description: 'toolsetIds and subjects ({type: user|group, value, expiresAt}).',
        },
        Settings: {
          type: 'object',
          description:
            'requireToolApproval, defaultClassification, allowedClientTypes, discoveryIntervalSeconds, pinApprovedDefinitions, auditVerbosity, revision, etag.',
        },
        KillSwitch: { type: 'object', description: 'scope, targetId, reason, engagedBy, engagedAt.' },
        ToolEffectiveAccess: {
          type: 'object',
          description:
            'gate (why nobody can call it, or null), grants (subject, profile, toolset, expiry), allowedClientTypes, callable.',
        },
        CallerEffectiveAccess: {
          type: 'object',
          description:
            'callable tools with the grants that allow each; denied tools with the reason (decide() denial reasons).',
        },
        PolicyStatus: {
          type: 'object',
          description: 'version, publishedVersion, pendingChanges, lastError.',
        },
      },
    },
  };
}
