import { z } from 'zod';
import type {
  OktaApp,
  OktaAppGroupAssignment,
  OktaAppLink,
  OktaAppUser,
  OktaFactor,
  OktaGroup,
  OktaLogEvent,
  OktaUser,
} from '@portcullis/okta';

/**
 * Concise views: the fields people actually ask about, so a list of 50 users fits in a model's
 * context. `full: true` returns Okta's objects unchanged instead. Output schemas are "loose"
 * (extra properties allowed) because the full view carries whatever the org has.
 */

const s = z.string();
const ns = z.string().nullable();

export const userView = z.looseObject({
  id: s,
  status: s.optional(),
  login: s.optional(),
  email: ns.optional(),
  firstName: ns.optional(),
  lastName: ns.optional(),
  displayName: ns.optional(),
  created: ns.optional(),
  lastLogin: ns.optional(),
  lastUpdated: ns.optional(),
  statusChanged: ns.optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
});

export function viewUser(u: OktaUser): z.infer<typeof userView> {
  const p = u.profile ?? { login: '' };
  return {
    id: u.id,
    status: u.status,
    login: p.login,
    email: (p.email as string | undefined) ?? null,
    firstName: p.firstName ?? null,
    lastName: p.lastName ?? null,
    ...(p.displayName ? { displayName: p.displayName } : {}),
    created: u.created ?? null,
    lastLogin: u.lastLogin ?? null,
    lastUpdated: u.lastUpdated ?? null,
    statusChanged: u.statusChanged ?? null,
  };
}

export const groupView = z.looseObject({
  id: s,
  name: s.optional(),
  description: ns.optional(),
  type: s.optional(),
  created: ns.optional(),
  lastMembershipUpdated: ns.optional(),
  profile: z.record(z.string(), z.unknown()).optional(),
});

export function viewGroup(g: OktaGroup): z.infer<typeof groupView> {
  return {
    id: g.id,
    name: g.profile?.name,
    description: g.profile?.description ?? null,
    type: g.type,
    created: g.created ?? null,
    lastMembershipUpdated: g.lastMembershipUpdated ?? null,
  };
}

export const appView = z.looseObject({
  id: s,
  name: s.optional(),
  label: s.optional(),
  status: s.optional(),
  signOnMode: ns.optional(),
  created: ns.optional(),
  lastUpdated: ns.optional(),
});

export function viewApp(a: OktaApp): z.infer<typeof appView> {
  return {
    id: a.id,
    name: a.name,
    label: a.label,
    status: a.status,
    signOnMode: a.signOnMode ?? null,
    created: a.created ?? null,
    lastUpdated: a.lastUpdated ?? null,
  };
}

export const appLinkView = z.looseObject({
  appInstanceId: s.optional(),
  appName: ns.optional(),
  label: s.optional(),
  linkUrl: ns.optional(),
});

export function viewAppLink(l: OktaAppLink): z.infer<typeof appLinkView> {
  return {
    appInstanceId: l.appInstanceId,
    appName: l.appName ?? null,
    label: l.label,
    linkUrl: l.linkUrl ?? null,
  };
}

export const appUserView = z.looseObject({
  id: s,
  scope: ns.optional(),
  status: ns.optional(),
  syncState: ns.optional(),
  userName: ns.optional(),
  lastUpdated: ns.optional(),
});

export function viewAppUser(a: OktaAppUser): z.infer<typeof appUserView> {
  return {
    id: a.id,
    scope: a.scope ?? null,
    status: a.status ?? null,
    syncState: a.syncState ?? null,
    userName: a.credentials?.userName ?? null,
    lastUpdated: a.lastUpdated ?? null,
  };
}

export const appGroupView = z.looseObject({
  id: s,
  priority: z.number().nullable().optional(),
  lastUpdated: ns.optional(),
});

export function viewAppGroup(a: OktaAppGroupAssignment): z.infer<typeof appGroupView> {
  return { id: a.id, priority: a.priority ?? null, lastUpdated: a.lastUpdated ?? null };
}

export const factorView = z.looseObject({
  id: s,
  factorType: s.optional(),
  provider: ns.optional(),
  status: ns.optional(),
  vendorName: ns.optional(),
});

export function viewFactor(f: OktaFactor): z.infer<typeof factorView> {
  return {
    id: f.id,
    factorType: f.factorType,
    provider: f.provider ?? null,
    status: f.status ?? null,
    vendorName: f.vendorName ?? null,
  };
}

const party = z.looseObject({
  id: ns.optional(),
  type: ns.optional(),
  alternateId: ns.optional(),
  displayName: ns.optional(),
});

export const logEventView = z.looseObject({
  uuid: s,
  published: s.optional(),
  eventType: s.optional(),
  displayMessage: ns.optional(),
  severity: ns.optional(),
  // Named `result`, not `outcome`: in the full view `outcome` is Okta's object.
  result: ns.optional(),
  reason: ns.optional(),
  actor: party.nullable().optional(),
  targets: z.array(party).optional(),
  clientIp: ns.optional(),
});

function viewParty(
  p: { id?: string; type?: string; alternateId?: string; displayName?: string } | undefined,
) {
  return p
    ? {
        id: p.id ?? null,
        type: p.type ?? null,
        alternateId: p.alternateId ?? null,
        displayName: p.displayName ?? null,
      }
    : null;
}

export function viewLogEvent(e: OktaLogEvent): z.infer<typeof logEventView> {
  return {
    uuid: e.uuid,
    published: e.published,
    eventType: e.eventType,
    displayMessage: e.displayMessage ?? null,
    severity: e.severity ?? null,
    result: e.outcome?.result ?? null,
    reason: e.outcome?.reason ?? null,
    actor: viewParty(e.actor),
    targets: (e.target ?? []).map((t) => viewParty(t)!),
    clientIp: e.client?.ipAddress ?? null,
  };
}

/** Human-readable name of a user for messages: `Jane Doe <jane@example.com> (00u…, ACTIVE)`. */
export function describeUser(u: OktaUser): string {
  const p = u.profile ?? { login: '' };
  const name = [p.firstName, p.lastName].filter(Boolean).join(' ');
  return `${name ? name + ' ' : ''}<${p.login}> (${u.id}, status ${u.status})`;
}

export function describeGroup(g: OktaGroup): string {
  return `"${g.profile?.name ?? g.id}" (${g.id}, ${g.type})`;
}

export function describeApp(a: OktaApp): string {
  return `"${a.label ?? a.name}" (${a.id}, ${a.name}, status ${a.status})`;
}
