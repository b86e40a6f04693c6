import type { IncomingMessage, ServerResponse } from 'node:http';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { createMcpHandler, isJsonContentType, ProtocolError } from '@modelcontextprotocol/server';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { childTraceparent } from '@portcullis/observability';
import { PLATFORM, type Platform, readBoundedBody, sendJson } from '@portcullis/runtime';
import { ClientTokenVerifier, type TokenRejection } from '../auth/client-token.verifier';
import { ToolCallService } from '../calls/tool-call.service';
import { GATEWAY_CONFIG, type GatewayConfig } from '../gateway.config';
import { PolicyStore } from '../policy/policy-store.service';
import { fastPathRequest, type FastRequest, writeError, writeResult } from './fast-path';
import { answerToolCall, gatewayServerFactory, type GatewayRequestInfo } from './gateway-mcp-server';
import { ToolListing } from './tool-listing';

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The MCP ingress: `/mcp` over Streamable HTTP for every protocol revision the SDK serves
 * (2025-06-18, 2025-11-25 statelessly; 2026-07-28 natively). Before the SDK sees a request the
 * gateway checks the browser Origin, the body size, and the bearer token; failures get the OAuth
 * challenges MCP clients follow (RFC 9728 resource metadata, RFC 6750 errors).
 */
@Injectable()
export class McpEndpoint implements OnModuleDestroy {
  private readonly handler;
  private readonly node;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly verifier: ClientTokenVerifier,
    policy: PolicyStore,
    private readonly listing: ToolListing,
    private readonly calls: ToolCallService,
  ) {
    this.fastAnswers = platform.metrics.counter('portcullis_mcp_fast_path_total', 'MCP requests answered by the gateway fast path (tools/call and tools/list from 2025-era clients), by method.', ['method']);
    this.handler = createMcpHandler(gatewayServerFactory(listing, calls), {
      legacy: 'stateless',
      onerror: (err) => platform.logger.debug({ err: err.message }, 'MCP request rejected'),
    });
    this.node = toNodeHandler(this.handler, { onerror: (err) => platform.logger.warn({ err: err.message }, 'MCP adapter error') });
    // Any policy change may change someone's callable set: tell listening clients (2026-07-28
    // subscriptions/listen) to re-list; each re-list is filtered for its caller as usual.
    this.unsubscribe = policy.onApplied(() => this.handler.notify.toolsChanged());
  }

  private readonly unsubscribe: () => void;
  private readonly fastAnswers;

  challenge(res: ServerResponse, rejection: TokenRejection): void {
    const params = [
      `resource_metadata="${this.config.resourceMetadataUrl}"`,
      `scope="${this.config.MCP_REQUIRED_SCOPE}"`,
      `error="${rejection.error}"`,
      `error_description="${rejection.description.replace(/"/g, "'")}"`,
    ];
    sendJson(res, rejection.status, { error: rejection.error, error_description: rejection.description }, { 'www-authenticate': `Bearer ${params.join(', ')}` });
  }

  /** Browsers may call only from allowed origins (DNS-rebinding defence); non-browser clients send no Origin. */
  originAllowed(origin: string | undefined): boolean {
    if (!origin) return true;
    if (origin === new URL(this.config.PUBLIC_URL).origin) return true;
    return this.config.ALLOWED_ORIGINS.includes(origin);
  }

  /** Serves `/mcp` straight from node:http (mounted ahead of Express as a raw route). */
  readonly handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (!this.originAllowed(req.headers.origin)) {
      sendJson(res, 403, { error: 'forbidden_origin', error_description: `Origin ${req.headers.origin} is not allowed to use this MCP endpoint; an admin can add it to ALLOWED_ORIGINS.` });
      return;
    }
    const length = Number(req.headers['content-length'] ?? 0);
    if (length > MAX_BODY_BYTES) {
      sendJson(res, 413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: `Request body of ${length} bytes exceeds the ${MAX_BODY_BYTES}-byte limit.` } });
      return;
    }
    const verdict = await this.verifier.verify(req.headers.authorization);
    if ('error' in verdict) {
      this.challenge(res, verdict);
      return;
    }
    const protocolVersion = req.headers['mcp-protocol-version'];
    const info: GatewayRequestInfo = {
      caller: verdict,
      ...(typeof protocolVersion === 'string' ? { protocolVersion } : {}),
      traceparent: childTraceparent(typeof req.headers.traceparent === 'string' ? req.headers.traceparent : undefined),
    };
    try {
      if (req.method !== 'POST' || !isJsonContentType(req.headers['content-type'] ?? null)) {
        await this.sdk(req, res, info);
        return;
      }
      // Read and parse the body once: the fast path answers tools/call and tools/list from 2025-era
      // clients itself; everything else goes to the SDK with the parsed body.
      const read = await readBoundedBody(req, MAX_BODY_BYTES);
      if (!read.ok) {
        sendJson(res, 413, { jsonrpc: '2.0', id: null, error: { code: -32600, message: `Request body exceeds the ${MAX_BODY_BYTES}-byte limit; send a smaller request.` } });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(read.text);
      } catch (err) {
        writeError(res, null, { code: -32700, message: `Parse error: the request body is not valid JSON (${(err as Error).message}).` }, 400);
        return;
      }
      const fast = fastPathRequest(req, body);
      if (fast) await this.answerFast(fast, info, res);
      else await this.sdk(req, res, info, body);
    } catch (err) {
      this.platform.logger.error({ err: (err as Error).message }, 'MCP request failed');
      if (!res.headersSent) sendJson(res, 500, { jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error in the Portcullis gateway.' } });
    }
  };

  /** The MCP SDK serves the request (with the body when already read). */
  private async sdk(req: IncomingMessage, res: ServerResponse, info: GatewayRequestInfo, body?: unknown): Promise<void> {
    const verdict = info.caller;
    // The SDK passes `req.auth` to the server factory untouched; the client's token itself goes no further.
    (req as unknown as { auth: unknown }).auth = { token: '[client]', clientId: verdict.clientId, scopes: verdict.scopes, expiresAt: Math.floor(verdict.expiresAt / 1000), extra: { portcullis: info } };
    await this.node(req as IncomingMessage & { auth?: never }, res, ...(body === undefined ? [] : [body]));
  }

  private async answerFast(r: FastRequest, info: GatewayRequestInfo, res: ServerResponse): Promise<void> {
    this.fastAnswers.inc({ method: r.method });
    if (r.method === 'tools/list') {
      writeResult(res, r.id, `{"tools":${this.listing.forCaller(ToolCallService.policyCaller(info.caller)).legacyJson}}`);
      return;
    }
    const outcome = await this.calls.call(r.name, r.args, {
      caller: info.caller,
      ...(info.protocolVersion ? { protocolVersion: info.protocolVersion } : {}),
      ...(info.traceparent ? { traceparent: info.traceparent } : {}),
    });
    let answer: unknown;
    try {
      answer = answerToolCall(outcome, 'legacy', info.protocolVersion);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      writeError(res, r.id, err);
      return;
    }
    writeResult(res, r.id, JSON.stringify(answer));
  }

  async onModuleDestroy(): Promise<void> {
    this.unsubscribe();
    await this.handler.close();
  }
}
