import { z } from 'zod';
import type { ToolAnnotations } from '@modelcontextprotocol/server';
import type { OktaApi, OktaCredential } from '@portcullis/okta';
import { confirmationToken } from './schemas';

/**
 * What a tool is: its model-facing contract (name, description, tight input schema, output
 * schema, truthful annotations, required Okta scopes) and its behaviour (`run`, plus `confirm` for
 * destructive tools). Tools never see HTTP, headers or MCP plumbing — only a {@link ToolContext}.
 */
export interface ToolContext {
  api: OktaApi;
  /** The caller's Okta credential for this one request (org already validated). */
  cred: OktaCredential;
  /** Portcullis user id the gateway acts for (may be empty for service-level callers). */
  caller: string;
  signal: AbortSignal;
}

export interface ToolSuccess {
  /** One or two plain sentences for the text content block. */
  summary: string;
  /** The structured result (must match the tool's output schema). */
  data: Record<string, unknown>;
}

export interface ConfirmationPlan {
  /** What will be done, naming the resolved target, e.g. `Deactivate user Jane Doe <jane@…> (00u…)`. */
  action: string;
  /** What the human must understand before agreeing. */
  consequences: string;
}

export interface DestructiveSpec<A> {
  /**
   * Resolves and describes the target before asking for confirmation. May throw an Okta
   * `not_found` (so nobody is asked to confirm an action on nothing) or a {@link ToolRefusal}.
   */
  plan(args: A, ctx: ToolContext): Promise<ConfirmationPlan>;
}

export type TrueAnnotations = Required<
  Pick<ToolAnnotations, 'readOnlyHint' | 'destructiveHint' | 'idempotentHint' | 'openWorldHint'>
> & {
  title?: string;
};

export interface ToolSpec<S extends z.ZodObject> {
  /** snake_case; the gateway adds the `okta_` prefix. */
  name: string;
  title: string;
  description: string;
  input: S;
  output: z.ZodObject;
  annotations: TrueAnnotations;
  /** Okta OAuth scopes the tool needs (advertised in `_meta["portcullis/okta-scopes"]`). */
  scopes: readonly string[];
  confirm?: DestructiveSpec<z.output<S>>;
  run(args: z.output<S>, ctx: ToolContext): Promise<ToolSuccess>;
}

/** A refusal decided by the server itself (a precondition), reported as an `isError` result. */
export class ToolRefusal extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ToolRefusal';
  }
}

/** Type-erased tool, as stored in the catalog. */
export interface OktaTool {
  name: string;
  title: string;
  description: string;
  input: z.ZodObject;
  output: z.ZodObject;
  annotations: TrueAnnotations;
  scopes: readonly string[];
  destructive: boolean;
  plan?: (args: Record<string, unknown>, ctx: ToolContext) => Promise<ConfirmationPlan>;
  run: (args: Record<string, unknown>, ctx: ToolContext) => Promise<ToolSuccess>;
}

const confirmationOutput = {
  status: z
    .enum(['completed', 'confirmation_required', 'cancelled'])
    .describe(
      '"confirmation_required": nothing was changed yet; "completed": the change was made; "cancelled": the user declined.',
    ),
  message: z.string().optional(),
  confirmationToken: z.string().optional(),
  expiresAt: z.string().optional(),
  action: z.string().optional(),
};

export function defineTool<S extends z.ZodObject>(spec: ToolSpec<S>): OktaTool {
  const destructive = spec.confirm !== undefined;
  if (destructive && (!spec.annotations.destructiveHint || spec.annotations.readOnlyHint)) {
    throw new Error(`Tool ${spec.name}: a tool that asks for confirmation must be annotated destructive.`);
  }
  const clash = destructive ? Object.keys(confirmationOutput).filter((k) => k in spec.output.shape) : [];
  if (clash.length)
    throw new Error(
      `Tool ${spec.name}: output fields ${clash.join(', ')} clash with the confirmation fields.`,
    );
  const input = destructive ? spec.input.extend({ confirmationToken: confirmationToken() }) : spec.input;
  const output = destructive ? spec.output.partial().extend(confirmationOutput) : spec.output;
  const confirm = spec.confirm;
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input,
    output,
    annotations: { ...spec.annotations, title: spec.title },
    scopes: spec.scopes,
    destructive,
    // The schemas validated the args before these run, so the casts restore the spec's own types.
    run: (args, ctx) => spec.run(args as z.output<S>, ctx),
    ...(confirm
      ? { plan: (args: Record<string, unknown>, ctx: ToolContext) => confirm.plan(args as z.output<S>, ctx) }
      : {}),
  };
}

/** Structured list page. */
export function pageOutput<T extends z.ZodType>(key: string, item: T) {
  return z.object({
    [key]: z.array(item),
    count: z.number().int().describe('Number of items in this page.'),
    hasMore: z.boolean().describe('True when more results exist; pass nextCursor to get them.'),
    nextCursor: z
      .string()
      .optional()
      .describe('Pass as `cursor` (with the same filters) to get the next page.'),
  });
}

export function pageData(
  key: string,
  items: unknown[],
  page: { hasMore: boolean; nextCursor?: string },
): Record<string, unknown> {
  return {
    [key]: items,
    count: items.length,
    hasMore: page.hasMore,
    ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
  };
}

export function moreHint(page: { hasMore: boolean; nextCursor?: string }): string {
  return page.hasMore
    ? page.nextCursor
      ? ' More results exist: call again with cursor = nextCursor.'
      : ' More results exist.'
    : '';
}

export const READ: TrueAnnotations = {
  readOnlyHint: true,
  destructiveHint: false,
  idempotentHint: true,
  openWorldHint: false,
};
