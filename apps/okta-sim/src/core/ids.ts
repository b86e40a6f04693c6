import { randomBytes } from 'node:crypto';
import { BASE62, Prng } from './prng';

/**
 * Okta object ids are 20 characters: a 3-character type prefix (`00u` user, `00g` group, `0oa` app,
 * `irb` role assignment, ...) followed by 17 base62 characters.
 */
export type IdPrefix = '00u' | '00g' | '0oa' | 'irb' | 'mla' | 'ufs' | 'oty' | 'aus' | 'sra' | '00T' | 'oag';

export class IdFactory {
  constructor(private readonly prng: Prng) {}

  next(prefix: IdPrefix): string {
    return prefix + this.prng.string(17, BASE62);
  }

  /** Seeded secrets (client secrets, SSWS token) so a given seed always yields the same credentials. */
  secret(length: number): string {
    return this.prng.string(length, BASE62);
  }

  uuid(): string {
    const h = (n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += '0123456789abcdef'[this.prng.int(16)];
      return s;
    };
    return `${h(8)}-${h(4)}-4${h(3)}-${'89ab'[this.prng.int(4)]}${h(3)}-${h(12)}`;
  }
}

/** Unpredictable tokens (codes, refresh tokens, session ids) must never come from the seeded PRNG. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

const REQUEST_ID_PREFIX = randomBytes(6).toString('base64url');
let requestCounter = 0;
/**
 * `X-Okta-Request-Id` / `errorId` values. A per-process random prefix plus a counter is unique and
 * far cheaper than `randomBytes` on every request (this is on the hot path of the benchmark).
 */
export function requestId(): string {
  requestCounter = (requestCounter + 1) % 0x7fffffff;
  return `${REQUEST_ID_PREFIX}${requestCounter.toString(36).padStart(6, '0')}`;
}
