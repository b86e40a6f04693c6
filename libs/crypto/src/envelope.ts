import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption for secrets at rest (client secrets, upstream tokens): each value gets its
 * own random data key (AES-256-GCM); the data key is wrapped with a key-encryption key (KEK) from
 * configuration, named by a key id. Rotation: add a new KEK, make it primary, run the re-wrap
 * command; values wrapped under older KEKs stay readable while their KEK is still configured.
 */
export interface KeyEncryptionKey {
  id: string;
  key: Buffer; // 32 bytes
}

export interface SealedSecret {
  v: 1;
  kid: string;
  /** wrapped data key: iv.tag.ciphertext (base64url) */
  dk: string;
  /** payload: iv.tag.ciphertext (base64url) */
  ct: string;
}

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

function seal(key: Buffer, plaintext: Buffer, aad: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad);
  const ct = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return [iv, cipher.getAuthTag(), ct].map((b) => b.toString('base64url')).join('.');
}

function open(key: Buffer, sealed: string, aad: Buffer): Buffer {
  const parts = sealed.split('.');
  if (parts.length !== 3) throw new SecretDecryptionError('Sealed value is malformed.');
  const [iv, tag, ct] = parts.map((p) => Buffer.from(p, 'base64url')) as [Buffer, Buffer, Buffer];
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  return Buffer.concat([decipher.update(ct), decipher.final()]);
}

/**
 * Parses `PORTCULLIS_KEKS`-style configuration: `kid1:base64key,kid2:base64key` where the first is
 * the primary (used for new values).
 */
export function parseKeyEncryptionKeys(spec: string): KeyEncryptionKey[] {
  const keys = spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const idx = entry.indexOf(':');
      if (idx <= 0) throw new Error(`Key entry "${entry.slice(0, 8)}…" must look like "<key-id>:<base64 32-byte key>".`);
      const id = entry.slice(0, idx);
      const key = Buffer.from(entry.slice(idx + 1), 'base64');
      if (key.length !== 32) throw new Error(`Key "${id}" must decode to exactly 32 bytes (got ${key.length}).`);
      return { id, key };
    });
  if (keys.length === 0) throw new Error('At least one key-encryption key is required.');
  const ids = new Set(keys.map((k) => k.id));
  if (ids.size !== keys.length) throw new Error('Key-encryption key ids must be unique.');
  return keys;
}

export class EnvelopeCipher {
  private readonly byId: Map<string, Buffer>;
  readonly primaryKeyId: string;

  constructor(keys: KeyEncryptionKey[]) {
    if (keys.length === 0) throw new Error('EnvelopeCipher needs at least one key-encryption key.');
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
    this.primaryKeyId = keys[0]!.id;
  }

  /** `context` binds the ciphertext to where it is stored (e.g. "auth.connection:<id>") so rows can't be swapped. */
  encrypt(plaintext: string, context = ''): string {
    const dataKey = randomBytes(32);
    const aad = Buffer.from(context);
    const sealed: SealedSecret = {
      v: 1,
      kid: this.primaryKeyId,
      dk: seal(this.byId.get(this.primaryKeyId)!, dataKey, aad),
      ct: seal(dataKey, Buffer.from(plaintext, 'utf8'), aad),
    };
    return JSON.stringify(sealed);
  }

  decrypt(stored: string, context = ''): string {
    let sealed: SealedSecret;
    try {
      sealed = JSON.parse(stored) as SealedSecret;
    } catch {
      throw new SecretDecryptionError('Stored secret is not a sealed envelope.');
    }
    const kek = this.byId.get(sealed.kid);
    if (!kek) {
      throw new SecretDecryptionError(
        `Stored secret was sealed with key "${sealed.kid}", which is not configured; add it back to the key list.`,
      );
    }
    try {
      const aad = Buffer.from(context);
      const dataKey = open(kek, sealed.dk, aad);
      return open(dataKey, sealed.ct, aad).toString('utf8');
    } catch (err) {
      if (err instanceof SecretDecryptionError) throw err;
      throw new SecretDecryptionError('Stored secret failed authentication (tampered, or wrong context).');
    }
  }

  /** True when the value is sealed under an older key and should be re-wrapped by the rotation command. */
  needsRewrap(stored: string): boolean {
    try {
      return (JSON.parse(stored) as SealedSecret).kid !== this.primaryKeyId;
    } catch {
      return true;
    }
  }

  rewrap(stored: string, context = ''): string {
    return this.encrypt(this.decrypt(stored, context), context);
  }
}
