import { randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  type ClientCapabilities,
  ProtocolError,
  ProtocolErrorCode,
  inputRequired,
  type McpRequestContext,
  Server,
  type ServerContext,
  UrlElicitationRequiredError,
} from '@modelcontextprotocol/server';
import type { AuthenticatedCaller } from '../auth/caller';
import { ToolCallService, type ToolCallOutcome } from '../calls/tool-call.service';
import type { ToolListing } from './tool-listing';

function clientCapabilitiesOf(sctx: ServerContext): ClientCapabilities | undefined {
  return sctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY as keyof typeof sctx.mcpReq.envelope] as ClientCapabilities | undefined;
}

export const GATEWAY_INFO = { name: 'portcullis', title: 'Portcullis MCP gateway', version: '0.1.0' };

/** What the HTTP layer hands the per-request MCP server (through the SDK's pass-through authInfo). */
export interface GatewayRequestInfo {
  caller: AuthenticatedCaller;
  protocolVersion?: string;
  traceparent?: string;
}

export function requestInfoOf(ctx: { authInfo?: { extra?: Record<string, unknown> } }): GatewayRequestInfo {
  const info = ctx.authInfo?.extra?.['portcullis'] as GatewayRequestInfo | undefined;
  if (!info) throw new Error('gateway request without an authenticated caller');
  return info;
}

/**
 * A tool-call outcome as MCP answers it, for either era. URL-mode elicitation exists from
 * 2025-11-25 (`-32042`, thrown as a protocol error); 2026-07-28 requests declare it in their
 * envelope (`inputRequired`); older clients get a tool error whose text carries the connect link.
 * Shared by the SDK-served path and the gateway's fast path, so both answer alike.
 */
export function answerToolCall(
  outcome: ToolCallOutcome,
  era: 'legacy' | 'modern',
  protocolVersion: string | undefined,
  clientCapabilities?: () => ClientCapabilities | undefined,
): unknown {
  switch (outcome.kind) {
    case 'result':
      return outcome.result;
    case 'unknown_tool':
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, outcome.message);
    case 'connect':
      break;
  }
  const text = `${outcome.message} Open this link to connect your ${outcome.serverName} account, then retry: ${outcome.connectUrl}`;
  if (era === 'modern') {
    const elicitation = clientCapabilities?.()?.elicitation as { url?: object } | undefined;
    if (elicitation?.url) {
      return inputRequired({ inputRequests: { connect: inputRequired.elicitUrl({ message: text, url: outcome.connectUrl }) } });
    }
  } else if (protocolVersion && protocolVersion >= '2025-11-25') {
    throw new UrlElicitationRequiredError([{ mode: 'url', elicitationId: randomUUID(), url: outcome.connectUrl, message: text }], text);
  }
  return { content: [{ type: 'text' as const, text }], isError: true, _meta: { 'portcullis/connect': { url: outcome.connectUrl } } };
}

/**
 * The per-request MCP server behind /mcp: a low-level SDK `Server` whose tools/list is the caller's
 * callable set from the in-memory policy (no upstream round trip) and whose tools/call runs the
 * gateway's call path. Built per request by `createMcpHandler`, so any replica serves any request.
 */
export function gatewayServerFactory(listing: ToolListing, calls: ToolCallService) {
  return (ctx: McpRequestContext): Server => {
    const info = requestInfoOf(ctx);
    const server = new Server(GATEWAY_INFO, {
      capabilities: { tools: { listChanged: true } },
      instructions:
        'Portcullis exposes the tools your organization allows you to use. Tool names are <server>_<tool>. ' +
        'Denied calls explain why; a call may ask you to connect your account first by opening a link.',
    });
    server.setRequestHandler('tools/list', async () => ({ tools: listing.forCaller(ToolCallService.policyCaller(info.caller)).tools as never }));
    server.setRequestHandler('tools/call', async (request, sctx) => {
      const outcome = await calls.call(request.params.name, (request.params.arguments ?? {}) as Record<string, unknown>, {
        caller: info.caller,
        ...(info.protocolVersion ? { protocolVersion: info.protocolVersion } : {}),
        ...(info.traceparent ? { traceparent: info.traceparent } : {}),
      });
      return answerToolCall(outcome, ctx.era, info.protocolVersion, () => clientCapabilitiesOf(sctx)) as never;
    });
    return server;
  };
}
