import { isoFromMs } from './clock';
import { IdFactory } from './ids';
import {
  ADMIN_ROLE_LABELS,
  type AdminRoleType,
  type SimApp,
  type SimFactor,
  type SimGroup,
  type SimUser,
  type UserStatus,
} from './model';
import type { SimOrg } from './org';
import { Prng } from './prng';
import { APP_CATALOG, CITIES, DEPARTMENTS, EXTRA_GROUP_NAMES, FIRST_NAMES, LAST_NAMES } from './seed-data';

export type SizeSpec = 'demo' | 'load' | { users: number; groups: number; apps: number };

export function resolveSize(size: SizeSpec | undefined): { users: number; groups: number; apps: number } {
  if (size === undefined || size === 'demo') return { users: 300, groups: 40, apps: 25 };
  if (size === 'load') return { users: 50_000, groups: 2_000, apps: 300 };
  return {
    users: Math.max(12, Math.floor(size.users)),
    groups: Math.max(2 + Object.keys(DEPARTMENTS).length, Math.floor(size.groups)),
    apps: Math.max(2, Math.floor(size.apps)),
  };
}

export const EMAIL_DOMAIN = 'example.com';
export const DEMO_GROUP_NAME = 'Portcullis Demo';
export const FIXTURE_PASSWORD = 'Portcullis-Sim-1!';
export const PORTCULLIS_DEFAULT_REDIRECTS = [
  'http://localhost:3000/auth/callback',
  'http://127.0.0.1:3000/auth/callback',
  'http://localhost:8080/auth/callback',
  'http://127.0.0.1:8080/auth/callback',
];
export const PORTCULLIS_GRANTED_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.users.read.self',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.apps.read',
  'okta.apps.manage',
  'okta.logs.read',
  'okta.roles.read',
];
export const SERVICE_GRANTED_SCOPES = [
  'okta.users.read',
  'okta.users.manage',
  'okta.groups.read',
  'okta.groups.manage',
  'okta.apps.read',
  'okta.apps.manage',
  'okta.logs.read',
  'okta.roles.read',
];

/** Fixture identities, always the first users (seq 1..n) so their ids are stable for a seed whatever the size. */
export const FIXTURE_USERS = [
  {
    key: 'superAdmin',
    first: 'Alice',
    last: 'Admin',
    dept: 'IT',
    title: 'Okta Super Administrator',
    role: 'SUPER_ADMIN',
  },
  {
    key: 'readOnlyAdmin',
    first: 'Rory',
    last: 'Reader',
    dept: 'Security',
    title: 'Security Auditor',
    role: 'READ_ONLY_ADMIN',
  },
  {
    key: 'groupAdmin',
    first: 'Gina',
    last: 'Groupadmin',
    dept: 'Sales',
    title: 'Sales Operations Lead',
    role: 'GROUP_ADMIN',
  },
  { key: 'orgAdmin', first: 'Oscar', last: 'Orgadmin', dept: 'IT', title: 'IT Manager', role: 'ORG_ADMIN' },
  {
    key: 'appAdmin',
    first: 'Abby',
    last: 'Appadmin',
    dept: 'IT',
    title: 'Identity Engineer',
    role: 'APP_ADMIN',
  },
  {
    key: 'helpDeskAdmin',
    first: 'Hector',
    last: 'Helpdesk',
    dept: 'IT',
    title: 'IT Support Specialist',
    role: 'HELP_DESK_ADMIN',
  },
  {
    key: 'regularUser',
    first: 'Uma',
    last: 'User',
    dept: 'Engineering',
    title: 'Software Engineer',
    role: null,
  },
  {
    key: 'unassignedUser',
    first: 'Nate',
    last: 'Noapp',
    dept: 'Marketing',
    title: 'Content Strategist',
    role: null,
  },
] as const;

export type FixtureUserKey = (typeof FIXTURE_USERS)[number]['key'];

export interface SeedInfo {
  userIds: Record<FixtureUserKey, string>;
  demoGroupId: string;
  groupAdminTargetGroupId: string;
  portcullisAppId: string;
  serviceAppId: string;
  sswsToken: string;
}

const STATUS_ITEMS: UserStatus[] = [
  'ACTIVE',
  'STAGED',
  'PROVISIONED',
  'SUSPENDED',
  'DEPROVISIONED',
  'LOCKED_OUT',
  'PASSWORD_EXPIRED',
  'RECOVERY',
];
const STATUS_WEIGHTS = [80, 4, 4, 3, 5, 2, 1, 1];
/** Seeded timestamps are anchored to a fixed epoch (not "now") so the same seed always yields the same org. */
const EPOCH = Date.UTC(2023, 0, 2, 9, 0, 0);
const SPAN_MS = 730 * 24 * 3600 * 1000;

const iso = isoFromMs;

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Populates `org` deterministically from `seed`. */
export function seedOrg(org: SimOrg, seed: number, sizeSpec: SizeSpec | undefined): SeedInfo {
  const size = resolveSize(sizeSpec);
  const prng = new Prng(seed);
  const ids = new IdFactory(new Prng(seed ^ 0x2545f491));
  const departments = Object.keys(DEPARTMENTS);

  // ---- groups ------------------------------------------------------------------------------
  let groupSeq = 0;
  const mkGroup = (
    name: string,
    description: string | null,
    type: SimGroup['type'],
    createdMs: number,
  ): SimGroup =>
    org.insertGroup({
      id: ids.next('00g'),
      seq: ++groupSeq,
      type,
      created: iso(createdMs),
      lastUpdated: iso(createdMs),
      lastMembershipUpdated: iso(createdMs),
      profile: { name, description },
      members: new Set(),
    });
  mkGroup('Everyone', 'All users in your organization', 'BUILT_IN', EPOCH - 86_400_000);
  const demoGroup = mkGroup(
    DEMO_GROUP_NAME,
    'Users allowed to sign in to the Portcullis demo',
    'OKTA_GROUP',
    EPOCH,
  );
  const deptGroups = new Map<string, SimGroup>();
  for (const d of departments)
    deptGroups.set(d, mkGroup(d, `${d} department`, 'OKTA_GROUP', EPOCH + prng.int(86_400_000)));
  const otherGroups: SimGroup[] = [];
  const remaining = size.groups - groupSeq;
  for (let i = 0; i < remaining; i++) {
    const base = EXTRA_GROUP_NAMES[i];
    const name =
      base ??
      `Project ${LAST_NAMES[(i * 7) % LAST_NAMES.length]} ${String(i - EXTRA_GROUP_NAMES.length + 1).padStart(4, '0')}`;
    const type: SimGroup['type'] = base === undefined && prng.chance(0.1) ? 'APP_GROUP' : 'OKTA_GROUP';
    otherGroups.push(
      mkGroup(name, prng.chance(0.7) ? `${name} group` : null, type, EPOCH + prng.int(SPAN_MS / 2)),
    );
  }

  // ---- users ---------------------------------------------------------------------------------
  const loginCounts = new Map<string, number>();
  const users: SimUser[] = [];
  const userIds = {} as Record<FixtureUserKey, string>;
  const step = SPAN_MS / Math.max(1, size.users);

  const mkUser = (
    first: string,
    last: string,
    dept: string,
    title: string,
    status: UserStatus,
    i: number,
    password: string,
  ): SimUser => {
    const base = `${slug(first)}.${slug(last)}`;
    const n = (loginCounts.get(base) ?? 0) + 1;
    loginCounts.set(base, n);
    const login = `${n === 1 ? base : base + n}@${EMAIL_DOMAIN}`;
    const createdMs = EPOCH + Math.floor(i * step) + prng.int(3_600_000);
    const city = prng.pick(CITIES);
    const activatedMs = status === 'STAGED' ? null : createdMs + prng.int(86_400_000);
    const changedMs =
      activatedMs === null ? null : activatedMs + (status === 'ACTIVE' ? 0 : prng.int(SPAN_MS / 8));
    const lastLoginMs =
      status === 'ACTIVE' || status === 'LOCKED_OUT' || status === 'PASSWORD_EXPIRED'
        ? (changedMs ?? createdMs) + prng.int(SPAN_MS / 4)
        : null;
    const updatedMs = Math.max(createdMs, changedMs ?? 0) + prng.int(86_400_000);
    const seq = users.length + 1;
    const user: SimUser = {
      id: ids.next('00u'),
      seq,
      status,
      transitioningToStatus: null,
      created: iso(createdMs),
      activated: activatedMs === null ? null : iso(activatedMs),
      statusChanged: changedMs === null ? null : iso(changedMs),
      lastLogin: lastLoginMs === null ? null : iso(lastLoginMs),
      lastUpdated: iso(updatedMs),
      passwordChanged: status === 'STAGED' || status === 'PROVISIONED' ? null : iso(activatedMs ?? createdMs),
      typeId: 'oty1defaultusertype0',
      profile: {
        login,
        email: login,
        firstName: first,
        lastName: last,
        displayName: `${first} ${last}`,
        department: dept,
        title,
        employeeNumber: String(100000 + seq),
        organization: 'Acme Corp',
        userType: prng.chance(0.9) ? 'Employee' : 'Contractor',
        city: city[0],
        state: city[1],
        countryCode: city[2],
        mobilePhone: `+1-555-${String(prng.int(10000)).padStart(4, '0')}`,
        costCenter: `CC-${100 + departments.indexOf(dept)}`,
      },
      password: status === 'STAGED' || status === 'PROVISIONED' ? null : password,
      roles: [],
      factors: [],
      failedLogins: status === 'LOCKED_OUT' ? org.lockoutThreshold : 0,
    };
    if (status === 'ACTIVE' && prng.chance(0.7)) {
      const f: SimFactor = {
        id: ids.next('ufs'),
        factorType: 'push',
        provider: 'OKTA',
        vendorName: 'OKTA',
        status: 'ACTIVE',
        created: user.activated ?? user.created,
        lastUpdated: user.activated ?? user.created,
        profile: {
          credentialId: login,
          deviceType: 'SmartPhone_IPhone',
          name: `${first}'s iPhone`,
          platform: 'IOS',
        },
      };
      user.factors.push(f);
    }
    if (status === 'ACTIVE' && prng.chance(0.3)) {
      user.factors.push({
        id: ids.next('ufs'),
        factorType: 'token:software:totp',
        provider: 'GOOGLE',
        vendorName: 'GOOGLE',
        status: 'ACTIVE',
        created: user.created,
        lastUpdated: user.created,
        profile: { credentialId: login },
      });
    }
    users.push(user);
    org.insertUser(user);
    return user;
  };

  for (const f of FIXTURE_USERS) {
    const u = mkUser(f.first, f.last, f.dept, f.title, 'ACTIVE', users.length, FIXTURE_PASSWORD);
    userIds[f.key] = u.id;
  }
  for (let i = users.length; i < size.users; i++) {
    const dept = prng.pick(departments);
    mkUser(
      prng.pick(FIRST_NAMES),
      prng.pick(LAST_NAMES),
      dept,
      prng.pick(DEPARTMENTS[dept] as readonly string[]),
      prng.weighted(STATUS_ITEMS, STATUS_WEIGHTS),
      i,
      org.defaultPassword,
    );
  }

  // ---- memberships ---------------------------------------------------------------------------
  const addable = otherGroups.filter((g) => g.type === 'OKTA_GROUP');
  for (const u of users) {
    org.addMembershipRaw((deptGroups.get(u.profile.department as string) as SimGroup).id, u.id);
    const extra = prng.int(3);
    for (let k = 0; k < extra && addable.length; k++) org.addMembershipRaw(prng.pick(addable).id, u.id);
  }
  for (const g of otherGroups) {
    if (g.type === 'APP_GROUP')
      for (const idx of prng.sampleIndexes(users.length, 5))
        org.addMembershipRaw(g.id, (users[idx] as SimUser).id);
  }
  const fixtureCount = FIXTURE_USERS.length;
  for (const f of FIXTURE_USERS)
    if (f.key !== 'unassignedUser') org.addMembershipRaw(demoGroup.id, userIds[f.key]);
  let demoExtras = 0;
  for (let i = fixtureCount; i < users.length && demoExtras < 12; i++) {
    const u = users[i] as SimUser;
    if (u.status === 'ACTIVE' && prng.chance(0.5)) {
      org.addMembershipRaw(demoGroup.id, u.id);
      demoExtras++;
    }
  }

  // ---- roles ---------------------------------------------------------------------------------
  const salesGroup = deptGroups.get('Sales') as SimGroup;
  const mkRole = (
    type: AdminRoleType,
    createdMs: number,
    assignmentType: 'USER' | 'CLIENT',
    targets?: string[],
  ) => ({
    id: ids.next('irb'),
    type,
    label: ADMIN_ROLE_LABELS[type],
    status: 'ACTIVE' as const,
    created: iso(createdMs),
    lastUpdated: iso(createdMs),
    assignmentType,
    ...(targets ? { groupTargets: targets } : {}),
  });
  for (const f of FIXTURE_USERS) {
    if (!f.role) continue;
    const u = org.users.get(userIds[f.key]) as SimUser;
    u.roles.push(mkRole(f.role, EPOCH, 'USER', f.role === 'GROUP_ADMIN' ? [salesGroup.id] : undefined));
  }
  const itGroup = deptGroups.get('IT') as SimGroup;
  let extraAdmins = 0;
  for (const uid of itGroup.members) {
    const u = org.users.get(uid) as SimUser;
    if (u.seq <= fixtureCount || u.status !== 'ACTIVE') continue;
    u.roles.push(mkRole(extraAdmins === 0 ? 'SUPER_ADMIN' : 'READ_ONLY_ADMIN', EPOCH + SPAN_MS / 3, 'USER'));
    if (++extraAdmins >= 3) break;
  }

  // ---- apps ----------------------------------------------------------------------------------
  let appSeq = 0;
  const portcullis = org.buildOidcApp(
    {
      label: 'Portcullis',
      applicationType: 'web',
      tokenEndpointAuthMethod: 'client_secret_basic',
      redirectUris: PORTCULLIS_DEFAULT_REDIRECTS,
      postLogoutRedirectUris: ['http://localhost:3000/', 'http://127.0.0.1:3000/'],
      grantTypes: ['authorization_code', 'refresh_token'],
      refreshTokenRotation: false,
    },
    ids,
    iso(EPOCH),
    ++appSeq,
  );
  org.insertApp(portcullis);
  const service = org.buildOidcApp(
    { label: 'Portcullis Service', applicationType: 'service', tokenEndpointAuthMethod: 'private_key_jwt' },
    ids,
    iso(EPOCH),
    ++appSeq,
  );
  org.insertApp(service);
  const grant = (app: SimApp, scopes: string[], by: string) => {
    for (const s of scopes) {
      app.grants.set(s, {
        id: ids.next('oag'),
        scopeId: s,
        issuer: '',
        created: iso(EPOCH),
        createdBy: { id: by, type: 'User' },
      });
    }
  };
  grant(portcullis, PORTCULLIS_GRANTED_SCOPES, userIds.superAdmin);
  grant(service, SERVICE_GRANTED_SCOPES, userIds.superAdmin);
  portcullis.groupAssignments.set(demoGroup.id, {
    groupId: demoGroup.id,
    priority: 0,
    profile: {},
    lastUpdated: iso(EPOCH),
  });
  service.roles.push(mkRole('SUPER_ADMIN', EPOCH, 'CLIENT'));

  for (let i = appSeq; i < size.apps; i++) {
    const [label0, name, mode] = APP_CATALOG[(i - 2) % APP_CATALOG.length] as (typeof APP_CATALOG)[number];
    const round = Math.floor((i - 2) / APP_CATALOG.length);
    const label = round === 0 ? label0 : `${label0} ${round + 1}`;
    const createdMs = EPOCH + prng.int(SPAN_MS);
    let app: SimApp;
    if (mode === 'OPENID_CONNECT') {
      app = org.buildOidcApp(
        {
          label,
          applicationType: 'web',
          redirectUris: [`https://${slug(label)}.example.com/oauth2/callback`],
          status: prng.chance(0.9) ? 'ACTIVE' : 'INACTIVE',
        },
        ids,
        iso(createdMs),
        ++appSeq,
      );
    } else {
      app = {
        id: ids.next('0oa'),
        seq: ++appSeq,
        name,
        label,
        status: prng.chance(0.9) ? 'ACTIVE' : 'INACTIVE',
        signOnMode: mode,
        created: iso(createdMs),
        lastUpdated: iso(createdMs + prng.int(SPAN_MS / 10)),
        features: mode === 'SAML_2_0' && prng.chance(0.3) ? ['PUSH_NEW_USERS', 'PUSH_USER_DEACTIVATION'] : [],
        settings:
          mode === 'BOOKMARK'
            ? { app: { requestIntegration: false, url: `https://wiki.${EMAIL_DOMAIN}/` } }
            : mode === 'SAML_2_0'
              ? {
                  app: {},
                  signOn: {
                    ssoAcsUrl: `https://${slug(label)}.example.com/saml/acs`,
                    audience: `https://${slug(label)}.example.com`,
                  },
                }
              : { app: { url: `https://${slug(label)}.example.com/login` } },
        oauth: null,
        grants: new Map(),
        userAssignments: new Map(),
        groupAssignments: new Map(),
        roles: [],
      };
    }
    org.insertApp(app);
    const nGroups = 1 + prng.int(3);
    for (let k = 0; k < nGroups; k++) {
      const g = prng.chance(0.4)
        ? prng.pick([...deptGroups.values()])
        : prng.pick(otherGroups.length ? otherGroups : [demoGroup]);
      app.groupAssignments.set(g.id, {
        groupId: g.id,
        priority: app.groupAssignments.size,
        profile: {},
        lastUpdated: app.created,
      });
    }
    const nUsers = prng.int(16);
    for (const idx of prng.sampleIndexes(users.length, nUsers)) {
      const u = users[idx] as SimUser;
      if (u.status === 'DEPROVISIONED' || u.seq <= fixtureCount) continue;
      app.userAssignments.set(u.id, {
        userId: u.id,
        created: app.created,
        lastUpdated: app.created,
        statusChanged: app.created,
        profile: {},
        userName: u.profile.login,
      });
    }
  }

  // Fixture admins and the regular user get a couple of everyday apps directly, so appLinks are non-empty.
  const everyday = [...org.apps.values()].filter((a) => a.seq > 2 && a.status === 'ACTIVE').slice(0, 3);
  for (const f of FIXTURE_USERS) {
    if (f.key === 'unassignedUser') continue;
    for (const a of everyday) {
      a.userAssignments.set(userIds[f.key], {
        userId: userIds[f.key],
        created: a.created,
        lastUpdated: a.created,
        statusChanged: a.created,
        profile: {},
        userName: org.users.get(userIds[f.key])?.profile.login ?? '',
      });
    }
  }

  const sswsToken = `00${ids.secret(40)}`;
  org.apiTokens.set(sswsToken, {
    id: ids.next('00T'),
    name: 'Portcullis simulator token',
    token: sswsToken,
    userId: userIds.superAdmin,
    created: iso(EPOCH),
  });

  return {
    userIds,
    demoGroupId: demoGroup.id,
    groupAdminTargetGroupId: salesGroup.id,
    portcullisAppId: portcullis.id,
    serviceAppId: service.id,
    sswsToken,
  };
}

/**
 * A little recent history so `GET /api/v1/logs` (default window: last 7 days) is not empty. Relative to
 * the current clock, so — unlike the org itself — these timestamps are not seed-stable.
 */
export function seedRecentLogs(org: SimOrg, seed: number, count: number): void {
  const prng = new Prng(seed ^ 0x1b873593);
  const active = [...org.users.values()].filter((u) => u.status === 'ACTIVE');
  if (!active.length) return;
  const now = org.clock.now();
  const times: number[] = [];
  for (let i = 0; i < count; i++) times.push(now - 1_000 - prng.int(6 * 86_400_000));
  times.sort((a, b) => a - b);
  for (const t of times) {
    const u = prng.pick(active);
    const ok = prng.chance(0.93);
    org.log(
      {
        actor: {
          id: u.id,
          type: 'User',
          alternateId: u.profile.login,
          displayName: `${u.profile.firstName} ${u.profile.lastName}`,
          detailEntry: null,
        },
        client: {
          userAgent: {
            rawUserAgent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15',
            os: 'Mac OS X',
            browser: 'SAFARI',
          },
          zone: 'null',
          device: 'Computer',
          id: null,
          ipAddress: `203.0.113.${prng.int(254) + 1}`,
          geographicalContext: null,
        },
        requestId: `seed${t}`,
      },
      'user.session.start',
      'User login to Okta',
      [],
      {
        result: ok ? 'SUCCESS' : 'FAILURE',
        reason: ok ? null : 'INVALID_CREDENTIALS',
        published: new Date(t).toISOString(),
        legacy: ok ? 'core.user_auth.login_success' : 'core.user_auth.login_failed',
      },
    );
  }
}
