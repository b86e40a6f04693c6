import { z } from 'zod';
import type { OktaUser, UserLifecycleAction } from '@portcullis/okta';
import { userRef } from '../schemas';
import { ToolRefusal, defineTool, type OktaTool, type ToolContext, type TrueAnnotations } from '../tool';
import { describeUser, userView, viewUser } from '../views';
import { resolveUserId } from './users';

/**
 * User lifecycle tools (`POST /users/{id}/lifecycle/*`, `DELETE /users/{id}`, sessions). The
 * destructive ones carry a `confirm.plan` that looks the user up first, so the confirmation names
 * the real person and status — and a wrong id fails before anyone is asked to confirm anything.
 */

const USERS_MANAGE = ['okta.users.manage'] as const;

const lifecycleOutput = z.object({
  userId: z.string(),
  user: userView.optional().describe('The user after the change (absent if it could not be re-read).'),
});

async function reread(ctx: ToolContext, id: string): Promise<OktaUser | undefined> {
  // Best effort: the change already happened; a failed re-read must not turn success into an error.
  return ctx.api.users.get(ctx.cred, id, ctx.signal).catch(() => undefined);
}

async function planFor(ctx: ToolContext, ref: string, verb: string, consequences: string) {
  const user = await ctx.api.users.get(ctx.cred, ref, ctx.signal);
  return { action: `${verb} user ${describeUser(user)}`, consequences };
}

interface LifecycleSpec {
  name: string;
  title: string;
  action: UserLifecycleAction;
  description: string;
  annotations: TrueAnnotations;
  query?: Record<string, boolean>;
  /** Present for destructive actions: verb + consequences shown in the confirmation. */
  confirm?: { verb: string; consequences: string };
  done: (who: string, user: OktaUser | undefined) => string;
}

function lifecycleTool(spec: LifecycleSpec): OktaTool {
  const confirm = spec.confirm;
  return defineTool({
    name: spec.name,
    title: spec.title,
    description: spec.description,
    input: z.strictObject({ user: userRef() }),
    output: lifecycleOutput,
    annotations: spec.annotations,
    scopes: USERS_MANAGE,
    ...(confirm
      ? {
          confirm: {
            plan: (a: { user: string }, ctx: ToolContext) =>
              planFor(ctx, a.user, confirm.verb, confirm.consequences),
          },
        }
      : {}),
    async run(a, ctx) {
      const id = await resolveUserId(ctx, a.user);
      await ctx.api.users.lifecycle(ctx.cred, id, spec.action, spec.query ?? {}, ctx.signal);
      const after = await reread(ctx, id);
      return {
        summary: spec.done(after?.profile?.login ?? a.user, after),
        data: { userId: id, ...(after ? { user: viewUser(after) } : {}) },
      };
    },
  });
}

const status = (u: OktaUser | undefined) => (u ? ` Status is now ${u.status}.` : '');

const activateUser = lifecycleTool({
  name: 'activate_user',
  title: 'Activate a user',
  action: 'activate',
  query: { sendEmail: true },
  description:
    'Activates a STAGED (or deactivated) Okta user (id or login). Okta emails the user an activation link; the link itself is ' +
    'never returned to the AI client. Fails if the user is already active.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  done: (who, u) => `Activated ${who}; Okta sent the activation email.${status(u)}`,
});

const unsuspendUser = lifecycleTool({
  name: 'unsuspend_user',
  title: 'Unsuspend a user',
  action: 'unsuspend',
  description:
    'Returns a SUSPENDED Okta user (id or login) to ACTIVE so they can sign in again. Fails if the user is not suspended.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  done: (who, u) => `Unsuspended ${who}.${status(u)}`,
});

const unlockUser = lifecycleTool({
  name: 'unlock_user',
  title: 'Unlock a user',
  action: 'unlock',
  description:
    'Unlocks a LOCKED_OUT Okta user (id or login) so they can sign in again with their current password.',
  annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
  done: (who, u) => `Unlocked ${who}.${status(u)}`,
});

const DESTRUCTIVE_IDEMPOTENT: TrueAnnotations = {
  readOnlyHint: false,
  destructiveHint: true,
  idempotentHint: true,
  openWorldHint: false,
};

const suspendUser = lifecycleTool({
  name: 'suspend_user',
  title: 'Suspend a user',
  action: 'suspend',
  description:
    'Suspends an ACTIVE Okta user (id or login): they can no longer sign in, but keep their group memberships and app assignments ' +
    '(reversible with unsuspend_user). Requires explicit confirmation by the human user.',
  annotations: DESTRUCTIVE_IDEMPOTENT,
  confirm: {
    verb: 'Suspend',
    consequences:
      'The user can no longer sign in to Okta or Okta-protected apps until unsuspended; group memberships and app assignments are kept.',
  },
  done: (who, u) => `Suspended ${who}.${status(u)}`,
});

const deactivateUser = lifecycleTool({
  name: 'deactivate_user',
  title: 'Deactivate a user',
  action: 'deactivate',
  query: { sendEmail: false },
  description:
    'Deactivates an Okta user (id or login): status becomes DEPROVISIONED, sign-in stops and the user is deprovisioned from ' +
    'connected apps. App-side deprovisioning cannot be undone by reactivating. Requires explicit confirmation by the human user.',
  annotations: DESTRUCTIVE_IDEMPOTENT,
  confirm: {
    verb: 'Deactivate',
    consequences:
      'The user can no longer sign in, their sessions end, and Okta deprovisions them from connected applications. ' +
      'App accounts removed by deprovisioning are not restored by reactivating the user.',
  },
  done: (who, u) => `Deactivated ${who}.${status(u)}`,
});

const resetPassword = lifecycleTool({
  name: 'reset_password',
  title: "Reset a user's password",
  action: 'reset_password',
  query: { sendEmail: true },
  description:
    'Starts a password reset for an Okta user (id or login): the current password stops working, status becomes RECOVERY and Okta ' +
    'emails the user a reset link (never returned to the AI client). Requires explicit confirmation by the human user.',
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  confirm: {
    verb: 'Reset the password of',
    consequences:
      'The current password stops working immediately; the user must follow the emailed link to set a new one.',
  },
  done: (who, u) => `Password reset started for ${who}; Okta emailed the reset link.${status(u)}`,
});

const expirePassword = lifecycleTool({
  name: 'expire_password',
  title: "Expire a user's password",
  action: 'expire_password',
  description:
    'Expires the password of an Okta user (id or login): they must choose a new password at their next sign-in ' +
    '(status PASSWORD_EXPIRED). Requires explicit confirmation by the human user.',
  annotations: DESTRUCTIVE_IDEMPOTENT,
  confirm: {
    verb: 'Expire the password of',
    consequences: 'The user must change their password the next time they sign in.',
  },
  done: (who, u) => `Expired the password of ${who}.${status(u)}`,
});

const clearUserSessions = defineTool({
  name: 'clear_user_sessions',
  title: 'Sign a user out everywhere',
  description:
    'Ends all Okta sessions of a user (id or login), optionally also revoking the OAuth tokens Okta issued to their apps. ' +
    'Requires explicit confirmation by the human user.',
  input: z.strictObject({
    user: userRef(),
    revokeOAuthTokens: z
      .boolean()
      .default(false)
      .describe('Also revoke OAuth access/refresh tokens issued to the user.'),
  }),
  output: z.object({ userId: z.string() }),
  annotations: DESTRUCTIVE_IDEMPOTENT,
  scopes: USERS_MANAGE,
  confirm: {
    plan: (a, ctx) =>
      planFor(
        ctx,
        a.user,
        'Sign out everywhere',
        a.revokeOAuthTokens
          ? 'All Okta sessions end and OAuth tokens issued to the user are revoked; the user must sign in again everywhere.'
          : 'All Okta sessions end; the user must sign in again.',
      ),
  },
  async run(a, ctx) {
    const id = await resolveUserId(ctx, a.user);
    await ctx.api.users.clearSessions(ctx.cred, id, { oauthTokens: a.revokeOAuthTokens, signal: ctx.signal });
    return {
      summary: `Cleared all sessions of ${a.user}${a.revokeOAuthTokens ? ' and revoked their OAuth tokens' : ''}.`,
      data: { userId: id },
    };
  },
});

function requireDeprovisioned(user: OktaUser): void {
  if (user.status !== 'DEPROVISIONED') {
    throw new ToolRefusal(
      `Refused: ${describeUser(user)} is ${user.status}, not DEPROVISIONED. delete_user only deletes users that are already ` +
        'deactivated; deactivate the user first with deactivate_user (itself confirmed), then delete. Nothing was changed.',
    );
  }
}

const deleteUser = defineTool({
  name: 'delete_user',
  title: 'Delete a deactivated user',
  description:
    'Permanently deletes an Okta user (id or login) that is already deactivated (DEPROVISIONED). Refuses any other status — ' +
    'deactivate first with deactivate_user. Deletion cannot be undone. Requires explicit confirmation by the human user.',
  input: z.strictObject({ user: userRef() }),
  output: z.object({ userId: z.string(), deleted: z.boolean() }),
  annotations: DESTRUCTIVE_IDEMPOTENT,
  scopes: USERS_MANAGE,
  confirm: {
    async plan(a, ctx) {
      const user = await ctx.api.users.get(ctx.cred, a.user, ctx.signal);
      requireDeprovisioned(user);
      return {
        action: `Permanently delete user ${describeUser(user)}`,
        consequences:
          'The user record, profile and history links are removed from Okta for good. This cannot be undone.',
      };
    },
  },
  async run(a, ctx) {
    // Re-check at execution time: the status may have changed since the confirmation was issued,
    // and a DELETE on a non-deprovisioned user would silently deactivate it instead.
    const user = await ctx.api.users.get(ctx.cred, a.user, ctx.signal);
    requireDeprovisioned(user);
    await ctx.api.users.delete(ctx.cred, user.id, { sendEmail: false, signal: ctx.signal });
    return {
      summary: `Deleted user ${user.profile?.login} (${user.id}).`,
      data: { userId: user.id, deleted: true },
    };
  },
});

export const userLifecycleTools: OktaTool[] = [
  activateUser,
  unsuspendUser,
  unlockUser,
  suspendUser,
  deactivateUser,
  resetPassword,
  expirePassword,
  clearUserSessions,
  deleteUser,
];
