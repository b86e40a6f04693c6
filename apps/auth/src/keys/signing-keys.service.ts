import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { EnvelopeCipher } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JWK,
  type JWTHeaderParameters,
  type JWTPayload,
  jwtVerify,
  type KeyLike,
  SignJWT,
} from 'jose';
import { AUTH_CONFIG, type AuthConfig } from '../auth.config';
import { SigningKeyRepository, type SigningKeyRow } from './signing-key.repository';

interface LoadedKeys {
  active: { kid: string; alg: string; key: KeyLike };
  verify: Map<string, { alg: string; key: KeyLike }>;
  jwks: JWK[];
  loadedAt: number;
}

const RELOAD_MS = 30_000;

export class UnknownSigningKeyError extends Error {}

/**
 * The authorization server's JWT signing keys. The private key is stored sealed with the envelope
 * cipher; the active key is the newest unretired one. Rotation creates a new key and retires the
 * old one, which stays in the JWKS (and verifies) until every token it signed has expired. Each
 * replica reloads the key set every 30 s, and at once when it meets an unknown `kid`.
 */
@Injectable()
export class SigningKeysService implements OnModuleInit {
  private loaded?: LoadedKeys;
  private loading?: Promise<LoadedKeys>;

  constructor(
    private readonly repo: SigningKeyRepository,
    private readonly cipher: EnvelopeCipher,
    @Inject(AUTH_CONFIG) private readonly cfg: AuthConfig,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.repo.withKeyLock(this.platform.tenantId, async (tx) => {
      if (!(await tx.active())) {
        await tx.insertAndActivate(await this.generate());
        this.platform.logger.info('created the first token signing key');
      }
    });
    await this.reload();
  }

  /** Tokens signed by a retired key stay verifiable for one access-token lifetime plus margin. */
  private retentionMs(): number {
    return (this.cfg.ACCESS_TOKEN_TTL_SECONDS + 15 * 60) * 1000;
  }

  private async generate(): Promise<Omit<SigningKeyRow, 'createdAt' | 'retiredAt'>> {
    const alg = this.cfg.SIGNING_ALG;
    const { publicKey, privateKey } = await generateKeyPair(alg, {
      extractable: true,
      ...(alg === 'RS256' ? { modulusLength: 2048 } : {}),
    });
    const publicJwk = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(publicJwk);
    const privateJwk = await exportJWK(privateKey);
    return {
      kid,
      alg,
      publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
      privateJwkSealed: this.cipher.encrypt(JSON.stringify(privateJwk), sealContext(kid)),
    };
  }

  async reload(): Promise<LoadedKeys> {
    this.loading ??= (async () => {
      try {
        const rows = await this.repo.usable(
          this.platform.tenantId,
          new Date(Date.now() - this.retentionMs()),
        );
        const activeRow = rows.find((r) => r.retiredAt === null) ?? rows[0];
        if (!activeRow) throw new Error('No token signing key exists; restart auth to create one.');
        const verify = new Map<string, { alg: string; key: KeyLike }>();
        for (const r of rows)
          verify.set(r.kid, { alg: r.alg, key: (await importJWK(r.publicJwk, r.alg)) as KeyLike });
        const privateJwk = JSON.parse(
          this.cipher.decrypt(activeRow.privateJwkSealed, sealContext(activeRow.kid)),
        ) as JWK;
        this.loaded = {
          active: {
            kid: activeRow.kid,
            alg: activeRow.alg,
            key: (await importJWK(privateJwk, activeRow.alg)) as KeyLike,
          },
          verify,
          jwks: rows.map((r) => ({ ...r.publicJwk, kid: r.kid, alg: r.alg, use: 'sig' })),
          loadedAt: Date.now(),
        };
        return this.loaded;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  private async current(): Promise<LoadedKeys> {
    if (!this.loaded || Date.now() - this.loaded.loadedAt > RELOAD_MS) return this.reload();
    return this.loaded;
  }

  async jwks(): Promise<{ keys: JWK[] }> {
    return { keys: (await this.current()).jwks };
  }

  async sign(claims: JWTPayload, typ = 'at+jwt'): Promise<string> {
    const { active } = await this.current();
    return new SignJWT(claims).setProtectedHeader({ alg: active.alg, kid: active.kid, typ }).sign(active.key);
  }

  /** Verifies signature, issuer, audience and expiry. Throws jose errors (mapped by callers). */
  async verify(
    token: string,
    opts: { audience?: string; typ?: string; currentDate?: Date } = {},
  ): Promise<JWTPayload> {
    const resolve = async (header: JWTHeaderParameters): Promise<KeyLike> => {
      const kid = header.kid;
      if (!kid) throw new UnknownSigningKeyError('The token has no key id (kid).');
      let k = (await this.current()).verify.get(kid);
      if (!k) k = (await this.reload()).verify.get(kid);
      if (!k)
        throw new UnknownSigningKeyError(
          `The token was signed with key "${kid}", which this issuer does not (or no longer) publish.`,
        );
      if (k.alg !== header.alg)
        throw new UnknownSigningKeyError('The token algorithm does not match its key.');
      return k.key;
    };
    const { payload } = await jwtVerify(token, resolve, {
      issuer: this.cfg.issuer,
      ...(opts.audience ? { audience: opts.audience } : {}),
      algorithms: ['RS256', 'ES256'],
      clockTolerance: 5,
      ...(opts.typ ? { typ: opts.typ } : {}),
      ...(opts.currentDate ? { currentDate: opts.currentDate } : {}),
    });
    return payload;
  }

  /** Creates a new active key; the previous one keeps verifying until its tokens expire. */
  async rotate(): Promise<{ kid: string; previousKid: string | null }> {
    const result = await this.repo.withKeyLock(this.platform.tenantId, async (tx) => {
      const previous = await tx.active();
      const next = await this.generate();
      await tx.insertAndActivate(next);
      return { kid: next.kid, previousKid: previous?.kid ?? null };
    });
    await this.reload();
    return result;
  }

  async list(): Promise<
    {
      kid: string;
      alg: string;
      createdAt: string;
      retiredAt: string | null;
      active: boolean;
      published: boolean;
    }[]
  > {
    const rows = await this.repo.all(this.platform.tenantId);
    const cutoff = Date.now() - this.retentionMs();
    const activeKid = rows.find((r) => r.retiredAt === null)?.kid;
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      createdAt: r.createdAt.toISOString(),
      retiredAt: r.retiredAt?.toISOString() ?? null,
      active: r.kid === activeKid,
      published: r.retiredAt === null || r.retiredAt.getTime() > cutoff,
    }));
  }

  /** Re-seals every private key under the newest key-encryption key. */
  async rewrap(): Promise<number> {
    let n = 0;
    for (const r of await this.repo.all(this.platform.tenantId)) {
      if (!this.cipher.needsRewrap(r.privateJwkSealed)) continue;
      await this.repo.updateSealed(r.kid, this.cipher.rewrap(r.privateJwkSealed, sealContext(r.kid)));
      n++;
    }
    return n;
  }
}

function sealContext(kid: string): string {
  return `auth.signing_key:${kid}`;
}
