import { z } from 'zod';

/** The governance vocabulary with the error messages the admin API returns for bad values. */
export const CLASSIFICATIONS = [
  'read',
  'write',
  'destructive',
  'sensitive',
  'dangerous',
  'unclassified',
] as const;
export const CLIENT_TYPES = ['personal', 'shared', 'service', 'ephemeral'] as const;
export const TOOL_STATES = ['pending_review', 'approved', 'disabled', 'removed'] as const;
export const AUDIT_VERBOSITIES = ['minimal', 'standard', 'full'] as const;
export const KILL_SWITCH_SCOPES = ['tenant', 'server', 'tool', 'client'] as const;

export type Classification = (typeof CLASSIFICATIONS)[number];
export type ClientType = (typeof CLIENT_TYPES)[number];
export type ToolState = (typeof TOOL_STATES)[number];
export type KillSwitchScope = (typeof KILL_SWITCH_SCOPES)[number];

/** An enum whose error names every allowed value. */
export function oneOf<const T extends readonly [string, ...string[]]>(values: T, what = 'value') {
  return z.enum(values, {
    error: (issue) =>
      `must be one of ${values.join(', ')}; ${JSON.stringify(issue.input)?.slice(0, 60) ?? 'nothing'} is not a known ${what}`,
  });
}

export const classificationSchema = oneOf(CLASSIFICATIONS, 'classification');
export const clientTypeSchema = oneOf(CLIENT_TYPES, 'client type');
export const toolStateSchema = oneOf(TOOL_STATES, 'state');
