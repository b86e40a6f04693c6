import { Inject, Injectable } from '@nestjs/common';
import {
  type Caller,
  callableTools,
  compilePolicy,
  type CompiledPolicy,
  decide,
  decideTool,
  explainTool,
  whoCanCall,
} from '@portcullis/policy';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { z } from 'zod';
import { Database } from '@portcullis/runtime';
import { NotFoundProblem, ProblemError } from '../common/problem';
import { isUuid } from '../common/validation';
import { clientTypeSchema } from '../common/vocabulary';
import { PolicyPublisher } from '../policy/policy-publisher.service';
import { ToolsRepository } from '../tools/tools.repository';

export const callerQuerySchema = z.strictObject({
  user: z
    .string()
    .trim()
    .min(1, { error: 'name the user: a Portcullis user id or an email address' })
    .max(320),
  groups: z.string().max(10_000).optional(),
  clientType: clientTypeSchema.default('personal'),
  clientId: z.string().max(200).optional(),
  tool: z.string().max(300).optional(),
});
export type CallerQuery = z.infer<typeof callerQuerySchema>;

/**
 * "Who can call this tool, and why" and "what can this user call, and why" — answered by the same
 * pure decide() the gateways run, on the newest compiled snapshot, so the answer agrees with what
 * is enforced.
 */
@Injectable()
export class EffectiveAccessService {
  private compiled?: CompiledPolicy;

  constructor(
    private readonly publisher: PolicyPublisher,
    private readonly db: Database,
    private readonly tools: ToolsRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  private async policy(): Promise<CompiledPolicy> {
    const snapshot = await this.publisher.current();
    if (!snapshot) {
      throw new ProblemError(
        503,
        'no-policy',
        'No policy compiled yet',
        'Governance has not compiled a policy snapshot yet; retry in a moment.',
      );
    }
    if (!this.compiled || this.compiled.version !== snapshot.version) this.compiled = compilePolicy(snapshot);
    return this.compiled;
  }

  async forTool(id: string) {
    const tool = isUuid(id) ? await this.tools.get(this.db.sql, this.platform.tenantId, id) : undefined;
    if (!tool) throw new NotFoundProblem('tool', id);
    const policy = await this.policy();
    const explanation = explainTool(policy, id);
    const live = explanation.grants.filter((g) => !g.expired);
    return {
      policyVersion: policy.version,
      tool: {
        id,
        name: tool.name,
        exposedName: explanation.exposedName ?? null,
        state: tool.state,
        classification: tool.classification,
      },
      callable: explanation.gate === null && live.length > 0,
      summary:
        explanation.gate !== null
          ? `Nobody can call it: ${explanation.gate.message}`
          : live.length === 0
            ? 'Nobody can call it: no access profile binds a toolset containing it.'
            : `Callable by ${live.length} subject(s) through access profiles, from ${explanation.allowedClientTypes.join(', ')} AI clients.`,
      gate: explanation.gate,
      allowedClientTypes: explanation.allowedClientTypes,
      grants: explanation.grants,
      whoCanCall: whoCanCall(policy, id),
    };
  }

  async forCaller(q: CallerQuery) {
    const policy = await this.policy();
    const caller: Caller = {
      userId: q.user,
      ...(q.user.includes('@') ? { email: q.user } : {}),
      groups: (q.groups ?? '')
        .split(',')
        .map((g) => g.trim())
        .filter(Boolean),
      clientId: q.clientId ?? 'effective-access-preview',
      clientType: q.clientType,
    };
    const base = {
      policyVersion: policy.version,
      caller: {
        user: q.user,
        groups: caller.groups,
        clientType: caller.clientType,
        clientId: caller.clientId,
      },
    };
    if (q.tool) {
      const d = isUuid(q.tool) ? decideTool(policy, caller, q.tool) : decide(policy, caller, q.tool);
      return {
        ...base,
        decision: d.allowed
          ? { allowed: true, toolId: d.tool.id, exposedName: d.exposedName, grants: d.grants }
          : {
              allowed: false,
              reason: d.reason,
              message: d.message,
              ...(d.tool ? { toolId: d.tool.id } : {}),
            },
      };
    }
    const callable = callableTools(policy, caller).map((d) => ({
      toolId: d.tool.id,
      exposedName: d.exposedName,
      serverId: d.server.id,
      classification: d.tool.classification,
      grants: d.grants,
    }));
    const allowed = new Set(callable.map((c) => c.toolId));
    const denied = [...policy.byToolId.values()]
      .filter((e) => !allowed.has(e.tool.id))
      .map((e) => {
        const d = decideTool(policy, caller, e.tool.id);
        return d.allowed
          ? null
          : { toolId: e.tool.id, exposedName: e.exposedName, reason: d.reason, message: d.message };
      })
      .filter((x): x is NonNullable<typeof x> => x !== null)
      .sort((a, b) => a.exposedName.localeCompare(b.exposedName));
    return { ...base, callable: callable.sort((a, b) => a.exposedName.localeCompare(b.exposedName)), denied };
  }
}
