import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfirmationTokens, explainConfirmationFailure } from './confirmation';

const secret = 's'.repeat(40);
const subject = {
  tool: 'deactivate_user',
  args: { user: '00u1234567890abcdefg' },
  caller: 'pc-user-1',
  org: 'https://acme.okta.com',
};

test('a token confirms exactly the call it was issued for', () => {
  const tokens = new ConfirmationTokens(secret);
  const { token, expiresAt } = tokens.issue(subject);
  assert.ok(Date.parse(expiresAt) > Date.now());
  assert.deepEqual(tokens.verify(token, subject), { ok: true });
  // Argument order does not matter (canonical JSON); any other difference does.
  assert.deepEqual(tokens.verify(token, { ...subject, args: { user: '00u1234567890abcdefg' } }), {
    ok: true,
  });
  assert.equal(tokens.verify(token, { ...subject, args: { user: '00u1234567890abcdefX' } }).ok, false);
  assert.equal(tokens.verify(token, { ...subject, caller: 'pc-user-2' }).ok, false);
  assert.equal(tokens.verify(token, { ...subject, org: 'https://other.okta.com' }).ok, false);
  const other = tokens.verify(token, { ...subject, tool: 'delete_user' });
  assert.deepEqual(other, { ok: false, reason: 'other_tool', issuedForTool: 'deactivate_user' });
});

test('any replica with the same secret verifies; another secret or a tampered token does not', () => {
  const { token } = new ConfirmationTokens(secret).issue(subject);
  assert.deepEqual(new ConfirmationTokens(secret).verify(token, subject), { ok: true });
  assert.deepEqual(new ConfirmationTokens('t'.repeat(40)).verify(token, subject), {
    ok: false,
    reason: 'bad_signature',
  });
  const [p, s] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ v: 1, t: 'deactivate_user', h: 'x', e: 9999999999 })).toString(
    'base64url',
  );
  assert.equal(new ConfirmationTokens(secret).verify(`${forged}.${s}`, subject).ok, false);
  assert.deepEqual(new ConfirmationTokens(secret).verify(`${p}`, subject), {
    ok: false,
    reason: 'malformed',
  });
});

test('tokens expire after 5 minutes', () => {
  let now = 1_700_000_000_000;
  const tokens = new ConfirmationTokens(secret, 300, () => now);
  const { token } = tokens.issue(subject);
  now += 299_000;
  assert.deepEqual(tokens.verify(token, subject), { ok: true });
  now += 2_000;
  const res = tokens.verify(token, subject);
  assert.deepEqual(res, { ok: false, reason: 'expired' });
  if (!res.ok)
    assert.match(explainConfirmationFailure(res, 'deactivate_user'), /expired.*Nothing was changed/);
});
