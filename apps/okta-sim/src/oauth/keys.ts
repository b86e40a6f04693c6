import type { KeyObject } from 'node:crypto';
import {
  generateRsaKeyPair,
  sharedInitialKeyPair,
  signJwt,
  type GeneratedKeyPair,
  type JwtPayload,
} from './jwt';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: { kty: 'RSA'; alg: 'RS256'; use: 'sig'; kid: string; n: string; e: string };
  created: number;
  /** When it stopped being the active key (it stays published for `retentionMs` after that). */
  retiredAt: number | null;
}

/**
 * The org AS signing keys. One active key signs; after a rotation the previous keys stay in
 * `/oauth2/v1/keys` for `retentionMs` (default 2 h — longer than any access/ID token lives), so
 * relying parties that cached the JWKS keep verifying tokens minted just before the rotation.
 */
export class KeyStore {
  private keys: SigningKey[] = [];
  retentionMs = 2 * 3600 * 1000;
  /** Okta publishes two or three keys at most. */
  maxPublished = 3;

  constructor(private readonly now: () => number) {}

  async init(): Promise<void> {
    if (this.keys.length === 0) this.install(await sharedInitialKeyPair('org-signing'), false);
  }

  get active(): SigningKey {
    const k = this.keys[this.keys.length - 1];
    if (!k) throw new Error('KeyStore not initialised');
    return k;
  }

  async rotate(opts: { dropPrevious?: boolean } = {}): Promise<SigningKey> {
    return this.install(await generateRsaKeyPair(), opts.dropPrevious ?? false);
  }

  private install(pair: GeneratedKeyPair, dropPrevious: boolean): SigningKey {
    const now = this.now();
    for (const k of this.keys) if (k.retiredAt === null) k.retiredAt = now;
    const key: SigningKey = {
      kid: pair.kid,
      privateKey: pair.privateKey,
      publicJwk: {
        kty: 'RSA',
        alg: 'RS256',
        use: 'sig',
        kid: pair.kid,
        n: pair.publicJwk.n,
        e: pair.publicJwk.e,
      },
      created: now,
      retiredAt: null,
    };
    this.keys = dropPrevious ? [key] : [...this.keys, key];
    this.prune();
    return key;
  }

  private prune(): void {
    const now = this.now();
    this.keys = this.keys.filter((k) => k.retiredAt === null || now - k.retiredAt < this.retentionMs);
    while (this.keys.length > this.maxPublished) this.keys.shift();
  }

  /** Published JWKS, active key first. */
  jwks(): { keys: SigningKey['publicJwk'][] } {
    this.prune();
    return { keys: [...this.keys].reverse().map((k) => k.publicJwk) };
  }

  find(kid: string): SigningKey | undefined {
    this.prune();
    return this.keys.find((k) => k.kid === kid);
  }

  sign(payload: JwtPayload): string {
    const k = this.active;
    return signJwt({ kid: k.kid, alg: 'RS256' }, payload, k.privateKey);
  }
}
