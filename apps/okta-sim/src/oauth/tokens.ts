import { createHash } from 'node:crypto';
import type { SimClock } from '../core/clock';
import { randomToken } from '../core/ids';
import type { SimApp, SimUser } from '../core/model';
import { displayName, type SimOrg } from '../core/org';
import type { KeyStore } from './keys';

export interface TokenLifetimes {
  accessTokenSeconds: number;
  idTokenSeconds: number;
  refreshTokenSeconds: number;
  codeSeconds: number;
  sessionSeconds: number;
  /** Sign-in page transaction (`stateToken`) lifetime. */
  transactionSeconds: number;
}

/** Okta org AS lifetimes are fixed: 1 h access/ID tokens, 90-day refresh tokens, 300 s codes. */
export const DEFAULT_LIFETIMES: TokenLifetimes = {
  accessTokenSeconds: 3600,
  idTokenSeconds: 3600,
  refreshTokenSeconds: 90 * 24 * 3600,
  codeSeconds: 300,
  sessionSeconds: 2 * 3600,
  transactionSeconds: 600,
};

export interface AccessTokenRecord {
  token: string;
  jti: string;
  clientId: string;
  appId: string;
  userId: string | null;
  scopes: string[];
  iat: number;
  exp: number;
  revoked: boolean;
  /** Ties together everything minted from one authorization (code replay revokes the lot). */
  grantId: string;
}

export interface RefreshTokenRecord {
  token: string;
  clientId: string;
  appId: string;
  userId: string;
  scopes: string[];
  iat: number;
  /** Rotated tokens keep the original expiry (Okta behaviour). */
  exp: number;
  revoked: boolean;
  /** Set when rotated away: still usable until `graceUntil`. */
  graceUntil: number | null;
  grantId: string;
  authTime: number;
}

export interface CodeRecord {
  code: string;
  clientId: string;
  redirectUri: string;
  userId: string;
  scopes: string[];
  codeChallenge: string | null;
  nonce: string | null;
  exp: number;
  used: boolean;
  authTime: number;
  grantId: string;
  sessionId: string;
}

export interface SessionRecord {
  id: string;
  userId: string;
  created: number;
  authTime: number;
  exp: number;
}

export type TokenCheck =
  | { ok: true; record: AccessTokenRecord }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' };

const hashHalf = (value: string): string =>
  createHash('sha256').update(value).digest().subarray(0, 16).toString('base64url');

/** Issues and tracks codes, access/refresh/ID tokens and browser sessions for the org AS. */
export class TokenService {
  readonly lifetimes: TokenLifetimes = { ...DEFAULT_LIFETIMES };
  private readonly access = new Map<string, AccessTokenRecord>();
  private readonly refresh = new Map<string, RefreshTokenRecord>();
  private readonly codes = new Map<string, CodeRecord>();
  readonly sessions = new Map<string, SessionRecord>();
  private issuedSinceSweep = 0;
  /** Okta's org id (`00o…`), the `idp` claim of ID tokens. */
  orgId = '00o1simulatedorg000';

  constructor(
    private readonly org: SimOrg,
    private readonly keys: KeyStore,
    private readonly clock: SimClock,
  ) {
    org.addListener({
      userCredentialsRevoked: (userId) => this.revokeUser(userId),
      appDisabled: (_appId, clientId) => this.revokeClient(clientId),
    });
    org.sessionClearHook = (userId) => this.clearSessions(userId);
  }

  private nowS(): number {
    return this.clock.nowSeconds();
  }

  reset(): void {
    this.access.clear();
    this.refresh.clear();
    this.codes.clear();
    this.sessions.clear();
  }

  private maybeSweep(): void {
    if (++this.issuedSinceSweep < 2000) return;
    this.issuedSinceSweep = 0;
    const now = this.nowS();
    for (const [k, r] of this.access) if (r.exp < now - 3600) this.access.delete(k);
    for (const [k, r] of this.codes) if (r.exp < now - 3600) this.codes.delete(k);
    for (const [k, r] of this.refresh) if (r.exp < now) this.refresh.delete(k);
    for (const [k, s] of this.sessions) if (s.exp < now) this.sessions.delete(k);
  }

  // ---- codes ---------------------------------------------------------------------------------

  createCode(input: Omit<CodeRecord, 'code' | 'exp' | 'used' | 'grantId'>): CodeRecord {
    const rec: CodeRecord = {
      ...input,
      code: randomToken(32),
      exp: this.nowS() + this.lifetimes.codeSeconds,
      used: false,
      grantId: randomToken(12),
    };
    this.codes.set(rec.code, rec);
    this.maybeSweep();
    return rec;
  }

  /** Returns the code record even if used/expired; callers decide (replays must revoke the grant). */
  findCode(code: string): CodeRecord | undefined {
    return this.codes.get(code);
  }

  codeExpired(rec: CodeRecord): boolean {
    return rec.exp <= this.nowS();
  }

  // ---- access tokens -------------------------------------------------------------------------

  issueAccessToken(app: SimApp, user: SimUser | null, scopes: string[], grantId: string): AccessTokenRecord {
    const clientId = app.oauth?.clientId ?? app.id;
    const iat = this.nowS();
    const exp = iat + this.lifetimes.accessTokenSeconds;
    const jti = `AT.${randomToken(32)}`;
    const payload: Record<string, unknown> = {
      ver: 1,
      jti,
      iss: this.org.issuer,
      aud: this.org.issuer,
      sub: user ? user.profile.login : clientId,
      iat,
      exp,
      cid: clientId,
      ...(user ? { uid: user.id } : {}),
      scp: scopes,
    };
    const token = this.keys.sign(payload);
    const rec: AccessTokenRecord = {
      token,
      jti,
      clientId,
      appId: app.id,
      userId: user?.id ?? null,
      scopes,
      iat,
      exp,
      revoked: false,
      grantId,
    };
    this.access.set(token, rec);
    this.maybeSweep();
    return rec;
  }

  checkAccessToken(token: string): TokenCheck {
    const rec = this.access.get(token);
    if (!rec) return { ok: false, reason: 'unknown' };
    if (rec.revoked) return { ok: false, reason: 'revoked' };
    if (rec.exp <= this.nowS()) return { ok: false, reason: 'expired' };
    return { ok: true, record: rec };
  }

  accessRecord(token: string): AccessTokenRecord | undefined {
    return this.access.get(token);
  }

  // ---- refresh tokens ------------------------------------------------------------------------

  issueRefreshToken(
    app: SimApp,
    user: SimUser,
    scopes: string[],
    grantId: string,
    authTime: number,
    exp?: number,
  ): RefreshTokenRecord {
    const iat = this.nowS();
    const rec: RefreshTokenRecord = {
      token: randomToken(32),
      clientId: app.oauth?.clientId ?? app.id,
      appId: app.id,
      userId: user.id,
      scopes,
      iat,
      exp: exp ?? iat + this.lifetimes.refreshTokenSeconds,
      revoked: false,
      graceUntil: null,
      grantId,
      authTime,
    };
    this.refresh.set(rec.token, rec);
    return rec;
  }

  /** A usable refresh token (not revoked, not expired, not past its rotation grace period), else undefined. */
  findUsableRefresh(token: string): RefreshTokenRecord | undefined {
    const rec = this.refresh.get(token);
    if (!rec || rec.revoked) return undefined;
    const now = this.nowS();
    if (rec.exp <= now) return undefined;
    if (rec.graceUntil !== null && rec.graceUntil <= now) return undefined;
    return rec;
  }

  refreshRecord(token: string): RefreshTokenRecord | undefined {
    return this.refresh.get(token);
  }

  markRotated(rec: RefreshTokenRecord, leewaySeconds: number): void {
    if (rec.graceUntil === null) rec.graceUntil = this.nowS() + leewaySeconds;
  }

  // ---- ID token ------------------------------------------------------------------------------

  issueIdToken(
    app: SimApp,
    user: SimUser,
    scopes: string[],
    opts: { nonce: string | null; authTime: number; accessToken?: string },
  ): string {
    const iat = this.nowS();
    const claims: Record<string, unknown> = {
      sub: user.id,
      ver: 1,
      iss: this.org.issuer,
      aud: app.oauth?.clientId ?? app.id,
      iat,
      exp: iat + this.lifetimes.idTokenSeconds,
      jti: `ID.${randomToken(32)}`,
      amr: ['pwd'],
      idp: this.orgId,
      auth_time: opts.authTime,
    };
    if (opts.nonce) claims.nonce = opts.nonce;
    if (scopes.includes('profile')) {
      claims.name = displayName(user);
      claims.preferred_username = user.profile.login;
      claims.given_name = user.profile.firstName;
      claims.family_name = user.profile.lastName;
      claims.updated_at = Math.floor(Date.parse(user.lastUpdated) / 1000);
    }
    if (scopes.includes('email')) {
      claims.email = user.profile.email;
      claims.email_verified = true;
    }
    if (scopes.includes('groups')) claims.groups = this.org.groupsOf(user.id).map((g) => g.profile.name);
    if (opts.accessToken) claims.at_hash = hashHalf(opts.accessToken);
    return this.keys.sign(claims);
  }

  // ---- sessions ------------------------------------------------------------------------------

  createSession(userId: string): SessionRecord {
    const now = this.nowS();
    const s: SessionRecord = {
      id: randomToken(24),
      userId,
      created: now,
      authTime: now,
      exp: now + this.lifetimes.sessionSeconds,
    };
    this.sessions.set(s.id, s);
    return s;
  }

  findSession(id: string | undefined): SessionRecord | undefined {
    if (!id) return undefined;
    const s = this.sessions.get(id);
    if (!s || s.exp <= this.nowS()) return undefined;
    return s;
  }

  endSession(id: string): void {
    this.sessions.delete(id);
  }

  clearSessions(userId: string): void {
    for (const [k, s] of this.sessions) if (s.userId === userId) this.sessions.delete(k);
  }

  // ---- revocation ----------------------------------------------------------------------------

  revokeGrant(grantId: string): void {
    for (const r of this.access.values()) if (r.grantId === grantId) r.revoked = true;
    for (const r of this.refresh.values()) if (r.grantId === grantId) r.revoked = true;
  }

  /** Revokes every token (and session) of a user; returns how many tokens were active. */
  revokeUser(userId: string): number {
    let n = 0;
    for (const r of this.access.values()) {
      if (r.userId === userId && !r.revoked) {
        r.revoked = true;
        n++;
      }
    }
    for (const r of this.refresh.values()) {
      if (r.userId === userId && !r.revoked) {
        r.revoked = true;
        n++;
      }
    }
    this.clearSessions(userId);
    return n;
  }

  revokeClient(clientId: string): void {
    for (const r of this.access.values()) if (r.clientId === clientId) r.revoked = true;
    for (const r of this.refresh.values()) if (r.clientId === clientId) r.revoked = true;
  }

  /** Revokes an access or refresh token (a refresh token takes its grant's access tokens with it). */
  revokeToken(token: string, clientId?: string): boolean {
    const at = this.access.get(token);
    if (at && (!clientId || at.clientId === clientId)) {
      const was = !at.revoked;
      at.revoked = true;
      return was;
    }
    const rt = this.refresh.get(token);
    if (rt && (!clientId || rt.clientId === clientId)) {
      const was = !rt.revoked;
      this.revokeGrant(rt.grantId);
      return was;
    }
    return false;
  }

  /** Test hook: make a token look expired without moving the clock. */
  expireToken(token: string): boolean {
    const past = this.nowS() - 1;
    const at = this.access.get(token);
    if (at) {
      at.exp = past;
      return true;
    }
    const rt = this.refresh.get(token);
    if (rt) {
      rt.exp = past;
      return true;
    }
    return false;
  }

  stats(): { accessTokens: number; refreshTokens: number; codes: number; sessions: number } {
    return {
      accessTokens: this.access.size,
      refreshTokens: this.refresh.size,
      codes: this.codes.size,
      sessions: this.sessions.size,
    };
  }
}
