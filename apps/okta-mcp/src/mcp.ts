import { McpServer, type McpRequestContext, type StandardSchemaWithJSON } from '@modelcontextprotocol/server';
import type { z } from 'zod';
import { executeToolCall, type CallEnvironment, type RequestPrincipal } from './calls';
import { jsonSchemaOf, oktaTools, toolMeta } from './catalog';
import type { OktaMcpMetrics } from './metrics';
import type { OktaTool } from './tool';

/**
 * The MCP face of the catalog. `createMcpHandler` builds a fresh `McpServer` per HTTP request
 * (stateless serving of both protocol eras), so everything expensive — JSON Schema conversion —
 * is done once here and the per-request factory only wires prepared objects together.
 */

type Args = Record<string, unknown>;
type Schema = StandardSchemaWithJSON<Args, Args>;

export const SERVER_INFO = { name: 'portcullis-okta', title: 'Portcullis Okta MCP server', version: '0.1.0' };

export const SERVER_INSTRUCTIONS =
  'Tools for the Okta Management API, acting with the Okta permissions of the connected account. ' +
  'Read tools return concise summaries (full: true for complete objects) and a nextCursor for more pages. ' +
  'Destructive tools never run without the human user explicitly confirming: either the client shows a confirmation form, ' +
  'or the first call returns status "confirmation_required" with a confirmationToken — ask the user, and only if they ' +
  'agree call again with the same arguments plus that token.';

/** A zod schema as a Standard Schema whose JSON Schema is computed once, not on every tools/list. */
function standardSchema(schema: z.ZodType, io: 'input' | 'output', onInvalid?: () => void): Schema {
  const json = jsonSchemaOf(schema, io);
  return {
    '~standard': {
      version: 1,
      vendor: 'portcullis',
      validate(value: unknown) {
        const r = schema.safeParse(value);
        if (r.success) return { value: r.data as Args };
        onInvalid?.();
        return { issues: r.error.issues.map((i) => ({ message: i.message, path: i.path })) };
      },
      jsonSchema: { input: () => json, output: () => json },
    },
  };
}

interface PreparedTool {
  tool: OktaTool;
  input: Schema;
  output: Schema;
  meta: Record<string, unknown>;
}

export function prepareTools(
  metrics: OktaMcpMetrics,
  tools: readonly OktaTool[] = oktaTools,
): PreparedTool[] {
  return tools.map((tool) => ({
    tool,
    // Invalid arguments are rejected by the SDK (an isError result) before any handler runs,
    // so they are counted here, where the validation happens.
    input: standardSchema(tool.input, 'input', () => metrics.toolCall(tool.name, 'invalid_arguments')),
    output: standardSchema(tool.output, 'output'),
    meta: toolMeta(tool),
  }));
}

export type EnvironmentBase = Omit<CallEnvironment, 'principal' | 'era'>;

export function principalOf(ctx: McpRequestContext): RequestPrincipal | undefined {
  const p = ctx.authInfo?.extra?.['portcullis'];
  return p && typeof p === 'object' ? (p as RequestPrincipal) : undefined;
}

/** The per-request server factory handed to `createMcpHandler`. */
export function serverFactory(prepared: readonly PreparedTool[], base: EnvironmentBase) {
  return (ctx: McpRequestContext): McpServer => {
    const principal = principalOf(ctx);
    const env: CallEnvironment = { ...base, principal, era: ctx.era };
    const server = new McpServer(SERVER_INFO, {
      capabilities: { tools: { listChanged: false } },
      instructions: SERVER_INSTRUCTIONS,
    });
    // One instance serves one HTTP request; for a tools/call only the called tool is needed.
    const only = principal?.toolHint;
    for (const p of prepared) {
      if (only !== undefined && p.tool.name !== only) continue;
      server.registerTool(
        p.tool.name,
        {
          title: p.tool.title,
          description: p.tool.description,
          inputSchema: p.input,
          outputSchema: p.output,
          annotations: p.tool.annotations,
          _meta: p.meta,
        },
        (args, sctx) => executeToolCall(p.tool, args, sctx, env),
      );
    }
    return server;
  };
}
