import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { ConfigError, loadConfig, port, secret, url } from './config';

const schema = z.object({
  DATABASE_URL: url(['postgres:'], 'postgres://u:p@db:5432/x'),
  PORT: port(8080),
  INTERNAL_SERVICE_SECRET: secret(32),
});

describe('loadConfig', () => {
  it('applies defaults and parses valid values', () => {
    const cfg = loadConfig('gateway', schema, { DATABASE_URL: 'postgres://a@b/c', INTERNAL_SERVICE_SECRET: 'x'.repeat(32) });
    assert.equal(cfg.PORT, 8080);
  });

  it('names every wrong or missing variable and says what is expected', () => {
    try {
      loadConfig('gateway', schema, { DATABASE_URL: 'mysql://x', PORT: 'eighty' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      const vars = err.problems.map((p) => p.variable).sort();
      assert.deepEqual(vars, ['DATABASE_URL', 'INTERNAL_SERVICE_SECRET', 'PORT']);
      assert.match(err.message, /DATABASE_URL: must be a postgres: URL, e\.g\. postgres:\/\/u:p@db:5432\/x \(got "mysql:\/\/x"\)/);
      assert.match(err.message, /INTERNAL_SERVICE_SECRET: is required/);
      assert.match(err.message, /Portcullis gateway cannot start/);
    }
  });

  it('never echoes a secret value in the error', () => {
    try {
      loadConfig('auth', schema, { DATABASE_URL: 'postgres://a@b/c', INTERNAL_SERVICE_SECRET: 'short-but-secret' });
      assert.fail('should throw');
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      assert.match(err.message, /INTERNAL_SERVICE_SECRET: must be at least 32 characters/);
      assert.doesNotMatch(err.message, /short-but-secret/);
    }
  });
});
