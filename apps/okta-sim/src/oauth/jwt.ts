import {
  createPublicKey,
  generateKeyPair,
  randomBytes,
  sign,
  verify,
  type KeyObject,
  type JsonWebKey,
} from 'node:crypto';
import type { ClientJwk } from '../core/model';

/**
 * Minimal JWS/JWT over node:crypto. The simulator signs with RS256 only (as Okta's org AS does) and
 * verifies the algorithms clients use for `private_key_jwt`. Using node:crypto instead of `jose`
 * keeps signing synchronous on the request path and the package free of ESM-only dependencies.
 */

export type JwtHeader = { alg: string; kid?: string; typ?: string; [k: string]: unknown };
export type JwtPayload = Record<string, unknown>;

const b64u = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function encodeSegment(obj: unknown): string {
  return b64u(JSON.stringify(obj));
}

export function signJwt(header: JwtHeader, payload: JwtPayload, key: KeyObject): string {
  const input = `${encodeSegment(header)}.${encodeSegment(payload)}`;
  const signature = sign(hashFor(header.alg), Buffer.from(input), signOptions(header.alg, key));
  return `${input}.${b64u(signature)}`;
}

export interface DecodedJwt {
  header: JwtHeader;
  payload: JwtPayload;
  signingInput: string;
  signature: Buffer;
}

/** Splits and JSON-decodes a compact JWS; returns null for anything malformed. */
export function decodeJwt(token: string): DecodedJwt | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const header = JSON.parse(Buffer.from(parts[0] as string, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as unknown;
    if (!header || typeof header !== 'object' || Array.isArray(header)) return null;
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return null;
    if (typeof (header as JwtHeader).alg !== 'string') return null;
    return {
      header: header as JwtHeader,
      payload: payload as JwtPayload,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2] as string, 'base64url'),
    };
  } catch {
    return null;
  }
}

const SUPPORTED = new Set(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512']);

export function isSupportedAlg(alg: string): boolean {
  return SUPPORTED.has(alg);
}

function hashFor(alg: string): string {
  return `sha${alg.slice(2)}`;
}

function signOptions(alg: string, key: KeyObject) {
  if (alg.startsWith('PS'))
    return { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: Number(alg.slice(2)) / 8 };
  if (alg.startsWith('ES')) return { key, dsaEncoding: 'ieee-p1363' as const };
  return key;
}

export function verifyJwtSignature(decoded: DecodedJwt, key: KeyObject): boolean {
  const alg = decoded.header.alg;
  if (!SUPPORTED.has(alg)) return false;
  try {
    return verify(hashFor(alg), Buffer.from(decoded.signingInput), signOptions(alg, key), decoded.signature);
  } catch {
    return false;
  }
}

export function publicKeyFromJwk(jwk: ClientJwk): KeyObject | null {
  try {
    return createPublicKey({ key: jwk as unknown as JsonWebKey, format: 'jwk' });
  } catch {
    return null;
  }
}

export function randomKid(): string {
  return randomBytes(32).toString('base64url').slice(0, 43);
}

export interface GeneratedKeyPair {
  kid: string;
  privateKey: KeyObject;
  publicJwk: ClientJwk & { kty: 'RSA'; n: string; e: string; alg: 'RS256'; use: 'sig' };
  privateJwk: JsonWebKey & { kid: string; alg: 'RS256' };
  privateKeyPem: string;
}

export function generateRsaKeyPair(kid = randomKid()): Promise<GeneratedKeyPair> {
  return new Promise((resolve, reject) => {
    generateKeyPair('rsa', { modulusLength: 2048 }, (err, publicKey, privateKey) => {
      if (err) return reject(err);
      const pub = publicKey.export({ format: 'jwk' });
      const priv = privateKey.export({ format: 'jwk' });
      resolve({
        kid,
        privateKey,
        publicJwk: { kty: 'RSA', alg: 'RS256', use: 'sig', kid, n: pub.n as string, e: pub.e as string },
        privateJwk: { ...priv, kid, alg: 'RS256' },
        privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
      });
    });
  });
}

const initialPairs = new Map<string, Promise<GeneratedKeyPair>>();

/**
 * RSA-2048 generation takes 0.1–1 s; a test process starting dozens of simulators would spend most
 * of its time there. Simulators in one process therefore share their *initial* key pairs (one per
 * `slot`); rotations always generate fresh keys.
 */
export function sharedInitialKeyPair(slot: string): Promise<GeneratedKeyPair> {
  let p = initialPairs.get(slot);
  if (!p) {
    p = generateRsaKeyPair();
    initialPairs.set(slot, p);
    p.catch(() => initialPairs.delete(slot));
  }
  return p;
}
