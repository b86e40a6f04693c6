import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redirectUriMatches, redirectUriProblem } from './redirect-uri';

describe('redirectUriProblem', () => {
  it('accepts https, loopback http and private-use schemes', () => {
    for (const u of [
      'https://claude.ai/api/mcp/auth_callback',
      'http://127.0.0.1:33418/callback',
      'http://localhost/cb',
      'http://[::1]:8080/cb',
      'cursor://anysphere.cursor-retrieval/oauth/callback',
      'com.example.app:/oauth2redirect',
    ]) {
      assert.equal(redirectUriProblem(u), null, u);
    }
  });
  it('refuses fragments, http elsewhere, dangerous schemes and garbage', () => {
    assert.match(redirectUriProblem('https://a.example.com/cb#x')!, /fragment/);
    assert.match(redirectUriProblem('http://a.example.com/cb')!, /non-loopback/);
    assert.match(redirectUriProblem('javascript:alert(1)')!, /forbidden scheme/);
    assert.match(redirectUriProblem('data:text/html,hi')!, /forbidden scheme/);
    assert.match(redirectUriProblem('/relative')!, /not an absolute URI/);
  });
});

describe('redirectUriMatches', () => {
  const registered = [
    'https://app.example.com/cb',
    'http://127.0.0.1:9999/callback',
    'http://localhost/cb?x=1',
  ];
  it('matches exactly', () => {
    assert.equal(redirectUriMatches(registered, 'https://app.example.com/cb'), true);
    assert.equal(redirectUriMatches(registered, 'https://app.example.com/cb/'), false);
    assert.equal(redirectUriMatches(registered, 'https://app.example.com:8443/cb'), false);
    assert.equal(redirectUriMatches(registered, 'https://app.example.com/cb?extra=1'), false);
  });
  it('lets loopback redirect URIs use any port (RFC 8252 §7.3), nothing else', () => {
    assert.equal(redirectUriMatches(registered, 'http://127.0.0.1:51234/callback'), true);
    assert.equal(redirectUriMatches(registered, 'http://127.0.0.1/callback'), true);
    assert.equal(redirectUriMatches(registered, 'http://localhost:3000/cb?x=1'), true);
    assert.equal(redirectUriMatches(registered, 'http://127.0.0.1:51234/other'), false);
    assert.equal(
      redirectUriMatches(registered, 'http://localhost:51234/callback'),
      false,
      'localhost and 127.0.0.1 are different hosts',
    );
    assert.equal(redirectUriMatches(registered, 'http://localhost:3000/cb?x=2'), false);
  });
});
