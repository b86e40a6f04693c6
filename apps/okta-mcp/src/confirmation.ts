import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { canonicalJson, sha256Hex } from '@portcullis/crypto';

/**
 * Stateless confirmation tokens for destructive tools.
 *
 * The first call to a destructive tool (on a client that cannot be asked through elicitation)
 * returns a token; the second call must present it with IDENTICAL arguments. The token is an
 * HMAC over (tool name, canonical arguments, Portcullis caller, Okta org, expiry), so any replica
 * can verify it without shared state, and it cannot be replayed for another target, another
 * user, another org, or after 5 minutes. The key is derived from the internal service secret with
 * HKDF under a purpose label, so it is never the same key as the service-token key.
 *
 * Being stateless, a token is not single-use: within its lifetime it authorises exactly the same
 * call again (which for these operations has no further effect).
 */
export interface ConfirmationSubject {
  tool: string;
  /** Tool arguments WITHOUT `confirmationToken`. */
  args: Record<string, unknown>;
  /** The Portcullis user on whose behalf the gateway calls (x-portcullis-caller). */
  caller: string;
  /** Normalized Okta org origin. */
  org: string;
}

export type ConfirmationFailure = 'malformed' | 'bad_signature' | 'expired' | 'other_tool' | 'mismatch';

export type ConfirmationCheck =
  | { ok: true }
  | { ok: false; reason: ConfirmationFailure; issuedForTool?: string };

interface Payload {
  v: 1;
  /** Tool name, in clear so a mismatch can name it. */
  t: string;
  /** sha256 over the canonical subject. */
  h: string;
  /** Expiry, epoch seconds. */
  e: number;
}

export const CONFIRMATION_TTL_SECONDS = 300;

export class ConfirmationTokens {
  private readonly key: Buffer;

  constructor(
    internalSecret: string,
    private readonly ttlSeconds = CONFIRMATION_TTL_SECONDS,
    private readonly now: () => number = Date.now,
  ) {
    this.key = Buffer.from(
      hkdfSync('sha256', internalSecret, 'portcullis', 'okta-mcp/destructive-confirmation/v1', 32),
    );
  }

  private digest(s: ConfirmationSubject): string {
    return sha256Hex(canonicalJson({ tool: s.tool, args: s.args, caller: s.caller, org: s.org }));
  }

  private sign(payloadB64: string): string {
    return createHmac('sha256', this.key).update(payloadB64).digest('base64url');
  }

  issue(subject: ConfirmationSubject): { token: string; expiresAt: string } {
    const exp = Math.floor(this.now() / 1000) + this.ttlSeconds;
    const payload: Payload = { v: 1, t: subject.tool, h: this.digest(subject), e: exp };
    const b64 = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${b64}.${this.sign(b64)}`, expiresAt: new Date(exp * 1000).toISOString() };
  }

  verify(token: string, subject: ConfirmationSubject): ConfirmationCheck {
    const parts = token.split('.');
    if (parts.length !== 2 || !parts[0] || !parts[1]) return { ok: false, reason: 'malformed' };
    const [b64, sig] = parts as [string, string];
    const expected = Buffer.from(this.sign(b64));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given))
      return { ok: false, reason: 'bad_signature' };
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(b64, 'base64url').toString('utf8')) as Payload;
    } catch {
      return { ok: false, reason: 'malformed' };
    }
    if (
      payload.v !== 1 ||
      typeof payload.t !== 'string' ||
      typeof payload.h !== 'string' ||
      typeof payload.e !== 'number'
    ) {
      return { ok: false, reason: 'malformed' };
    }
    if (payload.e * 1000 <= this.now()) return { ok: false, reason: 'expired' };
    if (payload.t !== subject.tool) return { ok: false, reason: 'other_tool', issuedForTool: payload.t };
    const h = Buffer.from(this.digest(subject));
    const ph = Buffer.from(payload.h);
    if (h.length !== ph.length || !timingSafeEqual(h, ph)) return { ok: false, reason: 'mismatch' };
    return { ok: true };
  }
}

export function explainConfirmationFailure(
  check: Extract<ConfirmationCheck, { ok: false }>,
  tool: string,
): string {
  switch (check.reason) {
    case 'expired':
      return `The confirmation token has expired (tokens are valid for 5 minutes). Nothing was changed. Call ${tool} again without confirmationToken to get a new one, and confirm with the user again.`;
    case 'other_tool':
      return `The confirmation token was issued for ${check.issuedForTool ?? 'another tool'}, not ${tool}. Nothing was changed. Call ${tool} without confirmationToken to get a token for this action.`;
    case 'mismatch':
      return `The confirmation token was issued for different arguments (or another user or Okta org). Nothing was changed. A token only confirms the exact call it was issued for; call ${tool} without confirmationToken to get a token for these arguments.`;
    default:
      return `The confirmation token is not valid. Nothing was changed. Pass the confirmationToken exactly as returned, or call ${tool} without it to get a new one.`;
  }
}
