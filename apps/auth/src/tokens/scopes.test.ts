import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { grantScope, narrowScope } from './scopes';

describe('scopes', () => {
  it('grants the supported part of a request, always with mcp', () => {
    assert.equal(grantScope(undefined), 'mcp');
    assert.equal(
      grantScope('openid profile email offline_access'),
      'mcp openid profile email offline_access',
    );
    assert.equal(grantScope('files:read mcp'), 'mcp');
  });
  it('narrows on refresh, never widens', () => {
    assert.equal(narrowScope('mcp offline_access', undefined), 'mcp offline_access');
    assert.equal(narrowScope('mcp offline_access', 'mcp'), 'mcp');
    assert.equal(narrowScope('mcp', 'mcp admin'), null);
  });
});
