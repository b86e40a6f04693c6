import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { traceIdOf } from '@portcullis/observability';
import { type Caller, decide, type Decision } from '@portcullis/policy';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { AuditEmitter, AuditUnavailableError, type ToolCallRecord } from '../audit/audit-emitter';
import type { AuthenticatedCaller } from '../auth/caller';
import { BrokerUnavailableError, TokenBrokerClient, type UpstreamCredential } from '../credentials/token-broker.client';
import { PolicyStore } from '../policy/policy-store.service';
import { UpstreamCaller, UpstreamError } from '../upstream/upstream-caller';

export interface ToolCallContext {
  caller: AuthenticatedCaller;
  protocolVersion?: string;
  traceparent?: string;
}

export interface ToolContent {
  content: { type: string; text?: string; [k: string]: unknown }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
}

/** What the MCP layer turns into a response: a tool result, a connect prompt, or an unknown tool. */
export type ToolCallOutcome =
  | { kind: 'result'; result: ToolContent }
  | { kind: 'connect'; connectUrl: string; message: string; serverName: string }
  | { kind: 'unknown_tool'; message: string };

function errorResult(text: string, meta: Record<string, unknown>): ToolContent {
  return { content: [{ type: 'text', text }], isError: true, _meta: { 'portcullis/error': meta } };
}

function summarize(result: ToolContent): string {
  const text = result.content.map((c) => (typeof c.text === 'string' ? c.text : `[${c.type}]`)).join(' ');
  return text.slice(0, 4000);
}

/**
 * One `tools/call` through Portcullis — the hot path:
 *   1. decide with the in-memory policy snapshot (pure, no I/O);
 *   2. get the upstream credential (in-process cache → auth's broker) — or prompt to connect;
 *   3. record the intent durably (bus acknowledgement) — no upstream call without it;
 *   4. call the upstream with a deadline;
 *   5. record the outcome (at-least-once).
 * Denials, connect prompts and failures are audited too.
 */
@Injectable()
export class ToolCallService {
  private readonly calls;
  private readonly duration;
  private readonly denials;

  constructor(
    private readonly policy: PolicyStore,
    private readonly broker: TokenBrokerClient,
    private readonly upstream: UpstreamCaller,
    private readonly audit: AuditEmitter,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {
    this.calls = platform.metrics.counter('portcullis_tool_calls_total', 'Tool calls through the gateway, by server, tool and outcome.', ['server', 'tool', 'outcome']);
    this.duration = platform.metrics.histogram(
      'portcullis_tool_call_duration_seconds',
      'Tool call latency at the gateway (decision to upstream answer), by server and tool.',
      ['server', 'tool'],
      [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    );
    this.denials = platform.metrics.counter('portcullis_tool_call_denials_total', 'Tool calls denied by policy, by reason.', ['reason']);
  }

  static policyCaller(c: AuthenticatedCaller): Caller {
    return { userId: c.userId, ...(c.email ? { email: c.email } : {}), groups: c.groups, clientId: c.clientId, clientType: c.clientType };
  }

  async call(name: string, args: Record<string, unknown>, ctx: ToolCallContext): Promise<ToolCallOutcome> {
    const started = performance.now();
    const callId = randomUUID();
    const decision = decide(this.policy.compiled, ToolCallService.policyCaller(ctx.caller), name);
    const base = this.baseRecord(callId, name, decision, ctx);

    if (!decision.allowed) {
      this.denials.inc({ reason: decision.reason });
      this.calls.inc({ server: decision.server?.id ?? 'unknown', tool: name, outcome: 'denied' });
      this.audit.recordOutcome({ ...base, phase: 'outcome', outcome: 'denied', denialReason: decision.reason, latencyMs: performance.now() - started }, ctx.traceparent);
      if (decision.reason === 'unknown_tool') return { kind: 'unknown_tool', message: decision.message };
      return { kind: 'result', result: errorResult(`Denied by Portcullis policy (${decision.reason}): ${decision.message}`, { reason: decision.reason }) };
    }

    const { server, tool } = decision;
    const finish = (outcome: 'allowed_success' | 'allowed_error', extra: Partial<ToolCallRecord>) => {
      const latencyMs = performance.now() - started;
      this.calls.inc({ server: server.id, tool: name, outcome });
      this.duration.observe({ server: server.id, tool: name }, latencyMs / 1000);
      this.audit.recordOutcome({ ...base, phase: 'outcome', outcome, latencyMs, ...extra }, ctx.traceparent);
    };

    let credential: UpstreamCredential | undefined;
    if (server.credentialMode !== 'none') {
      try {
        credential = await this.broker.credentialFor(server.id, { id: ctx.caller.userId, ...(ctx.caller.email ? { email: ctx.caller.email } : {}) });
      } catch (err) {
        const msg = err instanceof BrokerUnavailableError ? err.message : 'The token broker failed.';
        finish('allowed_error', { errorMessage: msg });
        return { kind: 'result', result: errorResult(`${server.displayName}: cannot get your upstream credential right now. ${msg}`, { reason: 'broker_unavailable' }) };
      }
      if (credential.status === 'connect_required' || credential.status === 'reconnect_required') {
        finish('allowed_error', { errorMessage: credential.status });
        return { kind: 'connect', connectUrl: credential.connectUrl, message: credential.message, serverName: server.displayName };
      }
      if (credential.status === 'not_configured') {
        finish('allowed_error', { errorMessage: 'upstream credentials not configured' });
        return { kind: 'result', result: errorResult(`${server.displayName} is not fully configured: ${credential.message}`, { reason: 'not_configured' }) };
      }
    }
    const identity = credential?.status === 'ok' ? credential.authorizedAs : undefined;
    // Redacted once: the intent and the outcome record carry the same arguments.
    const argsDetail = this.audit.detail(args);
    const withIdentity = identity ? { upstreamIdentity: identity } : {};

    try {
      await this.audit.recordIntent({ ...base, ...withIdentity, phase: 'intent', outcome: 'intent', ...argsDetail }, ctx.traceparent);
    } catch (err) {
      if (!(err instanceof AuditUnavailableError)) throw err;
      this.calls.inc({ server: server.id, tool: name, outcome: 'audit_unavailable' });
      return { kind: 'result', result: errorResult(err.message, { reason: 'audit_unavailable' }) };
    }

    try {
      const result = (await this.upstream.callTool(server, tool.name, args, ctx.caller.userId, credential)) as ToolContent;
      const summary = summarize(result);
      if (result.isError && credential?.status === 'ok' && /invalid[_ ]token|E0000011|expired/i.test(summary)) {
        // The upstream refused the token (revoked or expired early): forget it so the next call asks the broker.
        this.broker.invalidate(server.id, ctx.caller.userId);
      }
      finish(result.isError ? 'allowed_error' : 'allowed_success', { ...withIdentity, ...argsDetail, ...this.audit.summaryDetail(summary) });
      return { kind: 'result', result };
    } catch (err) {
      const msg = err instanceof UpstreamError ? err.message : `${server.displayName} failed unexpectedly.`;
      finish('allowed_error', { ...withIdentity, errorMessage: msg });
      this.platform.logger.warn({ server: server.id, tool: name, err: (err as Error).message }, 'upstream call failed');
      return { kind: 'result', result: errorResult(msg, { reason: err instanceof UpstreamError ? `upstream_${err.kind}` : 'upstream_error' }) };
    }
  }

  private baseRecord(callId: string, name: string, decision: Decision, ctx: ToolCallContext): Omit<ToolCallRecord, 'phase' | 'outcome'> {
    const traceId = traceIdOf(ctx.traceparent);
    return {
      callId,
      user: { id: ctx.caller.userId, ...(ctx.caller.email ? { email: ctx.caller.email } : {}) },
      client: { id: ctx.caller.clientId || 'unknown', ...(ctx.caller.clientName ? { name: ctx.caller.clientName } : {}), type: ctx.caller.clientType },
      tool: name,
      ...(decision.server ? { serverId: decision.server.id, credentialMode: decision.server.credentialMode } : {}),
      ...(decision.tool ? { classification: decision.tool.classification } : {}),
      ...(ctx.protocolVersion ? { protocolVersion: ctx.protocolVersion } : {}),
      ...(traceId ? { traceId } : {}),
    };
  }
}
