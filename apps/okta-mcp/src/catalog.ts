import { z } from 'zod';
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { OktaTool } from './tool';
import { userTools } from './tools/users';
import { userLifecycleTools } from './tools/user-lifecycle';
import { groupTools } from './tools/groups';
import { appTools } from './tools/apps';
import { logTools } from './tools/logs';

/** `_meta` keys Portcullis puts on tool definitions (read by discovery and the gateway). */
export const META_SCOPES = 'portcullis/okta-scopes';
export const META_CONFIRMATION = 'portcullis/requires-confirmation';

/** All tools, in the order `tools/list` returns them (deterministic). */
export const oktaTools: readonly OktaTool[] = [
  ...userTools,
  ...userLifecycleTools,
  ...groupTools,
  ...appTools,
  ...logTools,
];

{
  const seen = new Set<string>();
  for (const t of oktaTools) {
    if (seen.has(t.name)) throw new Error(`Duplicate Okta tool name ${t.name}`);
    if (!/^[a-z][a-z0-9_]{1,60}$/.test(t.name)) throw new Error(`Tool name ${t.name} is not snake_case`);
    seen.add(t.name);
  }
}

/** JSON Schema for a zod schema, as `tools/list` advertises it (no `$schema` noise). */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  delete json['$schema'];
  return json;
}

export function toolMeta(t: OktaTool): Record<string, unknown> {
  return { [META_SCOPES]: [...t.scopes], ...(t.destructive ? { [META_CONFIRMATION]: true } : {}) };
}

export interface OktaToolDescriptor {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: ToolAnnotations;
  _meta: Record<string, unknown>;
}

/**
 * The catalog as plain MCP tool definitions (what `tools/list` returns), for discovery tests and
 * documentation. Names are unprefixed; the gateway exposes them as `okta_<name>`.
 */
export const oktaToolCatalog: readonly OktaToolDescriptor[] = oktaTools.map((t) => ({
  name: t.name,
  title: t.title,
  description: t.description,
  inputSchema: jsonSchemaOf(t.input, 'input'),
  outputSchema: jsonSchemaOf(t.output, 'output'),
  annotations: t.annotations,
  _meta: toolMeta(t),
}));
