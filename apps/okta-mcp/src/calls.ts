import {
  CLIENT_CAPABILITIES_META_KEY,
  acceptedContent,
  inputRequired,
  type CallToolResult,
  type ClientCapabilities,
  type InputRequiredResult,
  type ServerContext,
} from '@modelcontextprotocol/server';
import {
  OktaApiError,
  OrgUrlNotAllowedError,
  type OktaApi,
  type OktaCredential,
  type OktaTokenType,
} from '@portcullis/okta';
import { explainConfirmationFailure, type ConfirmationTokens } from './confirmation';
import { oktaErrorMessage } from './errors';
import type { Logger } from './logger';
import type { OktaMcpMetrics, ToolOutcome } from './metrics';
import {
  ToolRefusal,
  type ConfirmationPlan,
  type OktaTool,
  type ToolContext,
  type ToolSuccess,
} from './tool';

/**
 * Executes one `tools/call` for a validated tool: credential checks, the confirmation protocol for
 * destructive tools, Okta error mapping and metrics. Everything the caller sees is a tool result —
 * failures are `isError: true` results with a message meant for the model, never protocol errors.
 */

/** What the HTTP layer learned about the request (service token verified, internal headers read). */
export interface RequestPrincipal {
  /** The Portcullis service that called (gateway, discovery). */
  service: string;
  /** The Portcullis user id the gateway acts for (x-portcullis-caller), '' when absent. */
  caller: string;
  upstream?: { orgUrl?: string; token?: string; tokenType?: string };
  /** Set when the request is a `tools/call` of this tool: the server instance registers only it. */
  toolHint?: string;
}

export interface CallEnvironment {
  api: OktaApi;
  confirmations: ConfirmationTokens;
  metrics: OktaMcpMetrics;
  logger: Logger;
  principal: RequestPrincipal | undefined;
  era: 'legacy' | 'modern';
}

export const CONFIRM_KEY = 'confirm';

type Result = CallToolResult | InputRequiredResult;

function textResult(text: string, data?: Record<string, unknown>): CallToolResult {
  return data
    ? { content: [{ type: 'text', text: `${text}\n${JSON.stringify(data)}` }], structuredContent: data }
    : { content: [{ type: 'text', text }] };
}

function errorResult(text: string, meta: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text }], isError: true, _meta: { 'portcullis/error': meta } };
}

function tokenTypeOf(raw: string | undefined): OktaTokenType | undefined {
  if (raw === undefined || raw === '') return 'Bearer';
  const v = raw.trim().toLowerCase();
  return v === 'bearer' ? 'Bearer' : v === 'ssws' ? 'SSWS' : undefined;
}

/** Form-mode elicitation is possible only on 2026-07-28 requests whose envelope declares it. */
function canElicitForm(ctx: ServerContext, era: 'legacy' | 'modern'): boolean {
  if (era !== 'modern') return false;
  const caps = ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY as keyof typeof ctx.mcpReq.envelope] as
    | ClientCapabilities
    | undefined;
  const e = caps?.elicitation as { form?: object; url?: object } | undefined;
  return e !== undefined && (e.form !== undefined || e.url === undefined);
}

function confirmationMessage(plan: ConfirmationPlan): string {
  return `${plan.action}? ${plan.consequences}`;
}

export async function executeToolCall(
  tool: OktaTool,
  args: Record<string, unknown>,
  sctx: ServerContext,
  env: CallEnvironment,
): Promise<Result> {
  const started = performance.now();
  let outcome: ToolOutcome = 'internal_error';
  const log = env.logger.child({
    tool: tool.name,
    caller: env.principal?.caller || undefined,
    rpcId: sctx.mcpReq.id,
  });
  try {
    const { result, outcome: o } = await execute(tool, args, sctx, env);
    outcome = o;
    return result;
  } catch (err) {
    if (sctx.mcpReq.signal.aborted) {
      // The caller went away (client cancelled or disconnected); the Okta request was aborted with it.
      outcome = 'aborted';
      return errorResult(
        'The call was cancelled before it finished; a write may or may not have reached Okta.',
        { kind: 'aborted' },
      );
    }
    // Last-resort guard: an unexpected bug becomes a generic error result, details go to the log only.
    log.error({ err }, 'tool call failed unexpectedly');
    outcome = 'internal_error';
    return errorResult(
      'The Okta MCP server hit an internal error while handling this call; nothing is known to have changed. The error was logged.',
      {
        kind: 'internal_error',
      },
    );
  } finally {
    const seconds = (performance.now() - started) / 1000;
    env.metrics.toolCall(tool.name, outcome, seconds);
    log.info({ outcome, durationMs: Math.round(seconds * 1000) }, 'tool call');
  }
}

async function execute(
  tool: OktaTool,
  args: Record<string, unknown>,
  sctx: ServerContext,
  env: CallEnvironment,
): Promise<{ result: Result; outcome: ToolOutcome }> {
  const up = env.principal?.upstream;
  if (!up?.orgUrl || !up.token) {
    return {
      outcome: 'no_credential',
      result: errorResult(
        'The Portcullis gateway supplied no Okta credential for this call (missing Okta org URL or access token), so nothing was sent to Okta. ' +
          'The user may need to connect their Okta account in Portcullis, or an administrator must configure the Okta connection.',
        { kind: 'no_credential' },
      ),
    };
  }
  const tokenType = tokenTypeOf(up.tokenType);
  if (!tokenType) {
    return {
      outcome: 'no_credential',
      result: errorResult(
        `The gateway sent an unsupported Okta token type; expected "Bearer" or "SSWS". Nothing was sent to Okta.`,
        {
          kind: 'no_credential',
        },
      ),
    };
  }
  let org: string;
  try {
    org = env.api.client.orgOrigin(up.orgUrl);
  } catch (err) {
    if (!(err instanceof OrgUrlNotAllowedError)) throw err;
    env.logger.warn(
      { tool: tool.name, orgUrl: up.orgUrl.slice(0, 200), reason: err.reason },
      'refused Okta org URL',
    );
    return {
      outcome: 'org_not_allowed',
      result: errorResult(
        `Refused: ${err.message} Nothing was sent to Okta. An operator can allow additional origins with OKTA_ORG_ALLOWLIST.`,
        {
          kind: 'org_not_allowed',
        },
      ),
    };
  }
  const cred: OktaCredential = { orgUrl: org, accessToken: up.token, tokenType };
  const ctx: ToolContext = {
    api: env.api,
    cred,
    caller: env.principal?.caller ?? '',
    signal: sctx.mcpReq.signal,
  };

  try {
    if (!tool.destructive) return done(await tool.run(args, ctx), false);
    return await confirmThenRun(tool, args, ctx, sctx, env);
  } catch (err) {
    if (err instanceof OktaApiError) {
      const write = !tool.annotations.readOnlyHint;
      return {
        outcome: `okta_${err.kind}`,
        result: errorResult(oktaErrorMessage(err, tool.scopes, write), {
          kind: err.kind,
          status: err.status,
          ...(err.errorCode ? { errorCode: err.errorCode } : {}),
          ...(err.requestId ? { oktaRequestId: err.requestId } : {}),
          ...(err.requiredScope ? { requiredScope: err.requiredScope } : {}),
          ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
        }),
      };
    }
    if (err instanceof ToolRefusal)
      return { outcome: 'refused', result: errorResult(err.message, { kind: 'refused' }) };
    throw err;
  }
}

function done(success: ToolSuccess, destructive: boolean): { result: Result; outcome: ToolOutcome } {
  const data = destructive ? { status: 'completed', ...success.data } : success.data;
  return { outcome: 'success', result: textResult(success.summary, data) };
}

async function confirmThenRun(
  tool: OktaTool,
  args: Record<string, unknown>,
  ctx: ToolContext,
  sctx: ServerContext,
  env: CallEnvironment,
): Promise<{ result: Result; outcome: ToolOutcome }> {
  const { confirmationToken, ...rest } = args;
  const subject = { tool: tool.name, args: rest, caller: ctx.caller, org: ctx.cred.orgUrl };

  // Second call of the token flow: the token must match this exact call.
  if (typeof confirmationToken === 'string') {
    const check = env.confirmations.verify(confirmationToken, subject);
    if (!check.ok) {
      return {
        outcome: 'confirmation_invalid',
        result: errorResult(explainConfirmationFailure(check, tool.name), {
          kind: 'confirmation_invalid',
          reason: check.reason,
        }),
      };
    }
    return done(await tool.run(rest, ctx), true);
  }

  // Retry of a 2026-07-28 multi-round-trip call: requestState is the signed token we minted.
  const state = env.era === 'modern' ? sctx.mcpReq.requestState() : undefined;
  if (typeof state === 'string') {
    const check = env.confirmations.verify(state, subject);
    if (!check.ok) {
      return {
        outcome: 'confirmation_invalid',
        result: errorResult(explainConfirmationFailure(check, tool.name), {
          kind: 'confirmation_invalid',
          reason: check.reason,
        }),
      };
    }
    const answer = acceptedContent<{ confirm?: unknown }>(sctx.mcpReq.inputResponses, CONFIRM_KEY);
    if (answer?.confirm !== true) {
      return {
        outcome: 'cancelled',
        result: textResult('The user did not confirm; nothing was changed.', {
          status: 'cancelled',
          message: 'The user did not confirm; nothing was changed.',
        }),
      };
    }
    return done(await tool.run(rest, ctx), true);
  }

  // First call: look the target up (fails early if it does not exist), then ask.
  const plan = await tool.plan!(rest, ctx);
  const { token, expiresAt } = env.confirmations.issue(subject);
  const message = confirmationMessage(plan);

  if (canElicitForm(sctx, env.era)) {
    return {
      outcome: 'elicitation_requested',
      result: inputRequired({
        inputRequests: {
          [CONFIRM_KEY]: inputRequired.elicit({
            message,
            requestedSchema: {
              type: 'object',
              properties: {
                confirm: {
                  type: 'boolean',
                  title: 'Confirm',
                  description: `Yes, ${plan.action.charAt(0).toLowerCase()}${plan.action.slice(1)}.`,
                  default: false,
                },
              },
              required: ['confirm'],
            },
          }),
        },
        requestState: token,
      }),
    };
  }

  const text =
    `CONFIRMATION REQUIRED — nothing has been changed yet. ${message}\n` +
    `Ask the user to explicitly approve this exact action. Only if they agree, call ${tool.name} again with the same ` +
    `arguments plus "confirmationToken": "${token}" (valid until ${expiresAt}). Do not confirm on the user's behalf.`;
  return {
    outcome: 'confirmation_required',
    result: {
      content: [{ type: 'text', text }],
      structuredContent: {
        status: 'confirmation_required',
        message,
        action: plan.action,
        confirmationToken: token,
        expiresAt,
      },
    },
  };
}
