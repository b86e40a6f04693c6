import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSafeOrgUrl, OrgUrlNotAllowedError, parseOrgAllowlist } from './org-url';

test('accepts Okta public cell domains and normalizes to the origin', () => {
  assert.equal(assertSafeOrgUrl('https://acme.okta.com'), 'https://acme.okta.com');
  assert.equal(assertSafeOrgUrl('https://ACME.okta.com/'), 'https://acme.okta.com');
  assert.equal(assertSafeOrgUrl('https://dev-123456.oktapreview.com'), 'https://dev-123456.oktapreview.com');
  assert.equal(assertSafeOrgUrl('https://acme-admin.okta-emea.com:443'), 'https://acme-admin.okta-emea.com');
});

test('refuses everything else with a reason (SSRF)', () => {
  const refused = [
    'http://acme.okta.com', // not https
    'https://acme.okta.com:8443', // port
    'https://user:pw@acme.okta.com', // userinfo
    'https://acme.okta.com/api/v1', // path
    'https://acme.okta.com?x=1', // query
    'https://acme.okta.com#x', // fragment
    'https://okta.com', // no org subdomain
    'https://a.b.okta.com', // nested subdomain
    'https://acme.okta.com.evil.com', // suffix trick
    'https://acmeokta.com',
    'https://127.0.0.1',
    'https://[::1]',
    'https://169.254.169.254',
    'http://127.0.0.1:8080',
    'https://example.com',
    'file:///etc/passwd',
    'not a url',
    '',
    'https://acme.okta.com\n',
    'https://acme.okta.com\\@evil.com',
  ];
  for (const u of refused) {
    assert.throws(() => assertSafeOrgUrl(u), OrgUrlNotAllowedError, u);
  }
});

test('explicit allow-list entries admit local simulators, port wildcard included', () => {
  const allow = ['http://127.0.0.1:*', 'http://localhost:8090'];
  assert.equal(assertSafeOrgUrl('http://127.0.0.1:43123', allow), 'http://127.0.0.1:43123');
  assert.equal(assertSafeOrgUrl('http://localhost:8090', allow), 'http://localhost:8090');
  assert.throws(() => assertSafeOrgUrl('http://localhost:8091', allow), OrgUrlNotAllowedError);
  assert.throws(() => assertSafeOrgUrl('http://127.0.0.2:43123', allow), OrgUrlNotAllowedError);
  assert.throws(() => assertSafeOrgUrl('https://127.0.0.1:43123', allow), OrgUrlNotAllowedError);
  // Allow-listed origins still may not carry paths or credentials.
  assert.throws(() => assertSafeOrgUrl('http://127.0.0.1:43123/x', allow), OrgUrlNotAllowedError);
  assert.throws(() => assertSafeOrgUrl('http://u:p@127.0.0.1:43123', allow), OrgUrlNotAllowedError);
});

test('allow-list entries must be bare origins', () => {
  assert.throws(() => parseOrgAllowlist(['http://127.0.0.1:*/path']), /not a URL origin|bare origin/);
  assert.throws(() => parseOrgAllowlist(['ftp://x']), /http/);
  assert.throws(() => parseOrgAllowlist(['nope']), /not a URL origin/);
});
