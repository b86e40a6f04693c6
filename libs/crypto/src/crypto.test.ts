import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { EnvelopeCipher, parseKeyEncryptionKeys, SecretDecryptionError } from './envelope';
import { canonicalJson } from './hash';
import { ServiceTokenError, ServiceTokenSigner, ServiceTokenVerifier } from './service-token';

const k = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;

describe('EnvelopeCipher', () => {
  it('round-trips and binds ciphertext to its context', () => {
    const c = new EnvelopeCipher(parseKeyEncryptionKeys(k('a')));
    const sealed = c.encrypt('refresh-token-value', 'conn:1');
    assert.doesNotMatch(sealed, /refresh-token-value/);
    assert.equal(c.decrypt(sealed, 'conn:1'), 'refresh-token-value');
    assert.throws(() => c.decrypt(sealed, 'conn:2'), SecretDecryptionError);
  });

  it('rotates keys: old values stay readable, rewrap moves them to the new primary', () => {
    const oldKey = k('old');
    const newKey = k('new');
    const before = new EnvelopeCipher(parseKeyEncryptionKeys(oldKey));
    const sealed = before.encrypt('s3cret');
    const after = new EnvelopeCipher(parseKeyEncryptionKeys(`${newKey},${oldKey}`));
    assert.equal(after.decrypt(sealed), 's3cret');
    assert.equal(after.needsRewrap(sealed), true);
    const rewrapped = after.rewrap(sealed);
    assert.equal(after.needsRewrap(rewrapped), false);
    const onlyNew = new EnvelopeCipher(parseKeyEncryptionKeys(newKey));
    assert.equal(onlyNew.decrypt(rewrapped), 's3cret');
    assert.throws(() => onlyNew.decrypt(sealed), /sealed with key "old", which is not configured/);
  });

  it('detects tampering', () => {
    const c = new EnvelopeCipher(parseKeyEncryptionKeys(k('a')));
    const sealed = JSON.parse(c.encrypt('x')) as { ct: string };
    sealed.ct = sealed.ct.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A'));
    assert.throws(() => c.decrypt(JSON.stringify(sealed)), SecretDecryptionError);
  });

  it('rejects malformed key configuration with a clear message', () => {
    assert.throws(() => parseKeyEncryptionKeys('nokey'), /must look like "<key-id>:<base64 32-byte key>"/);
    assert.throws(() => parseKeyEncryptionKeys(`a:${Buffer.alloc(16).toString('base64')}`), /exactly 32 bytes/);
  });
});

describe('service tokens', () => {
  const secret = 'x'.repeat(40);
  it('accepts a token from an allowed caller addressed to this service', async () => {
    const signer = new ServiceTokenSigner(secret, 'gateway');
    const verifier = new ServiceTokenVerifier(secret, 'okta-mcp', ['gateway']);
    assert.equal(await verifier.verify(await signer.authorizationFor('okta-mcp')), 'gateway');
  });

  it('refuses tokens for another audience, from a disallowed caller, or forged', async () => {
    const verifier = new ServiceTokenVerifier(secret, 'okta-mcp', ['gateway']);
    await assert.rejects(verifier.verify(await new ServiceTokenSigner(secret, 'gateway').authorizationFor('auth')), /not for okta-mcp/);
    await assert.rejects(verifier.verify(await new ServiceTokenSigner(secret, 'audit').authorizationFor('okta-mcp')), /may not call okta-mcp/);
    await assert.rejects(verifier.verify(await new ServiceTokenSigner('y'.repeat(40), 'gateway').authorizationFor('okta-mcp')), ServiceTokenError);
    await assert.rejects(verifier.verify(undefined), /Missing service credential/);
  });
});

describe('canonicalJson', () => {
  it('is independent of key order', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), canonicalJson({ a: { c: null, d: [1, { y: 2, z: 1 }] }, b: 1 }));
  });
});
