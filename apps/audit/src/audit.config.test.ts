import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '@portcullis/config';
import { loadAuditConfig, physicalRetentionDays, retentionDaysFor, verbosityFor } from './audit.config';

const secret = 'x'.repeat(32);

describe('audit config', () => {
  it('has defaults', () => {
    const c = loadAuditConfig({ AUTH_INTERNAL_URL: 'http://auth:8081', INTERNAL_SERVICE_SECRET: secret });
    assert.equal(c.verbosity, 'standard');
    assert.equal(c.retentionDays, 365);
    assert.equal(c.partitionInterval, 'month');
    assert.deepEqual(c.redactFields, []);
  });

  it('parses per-tenant overrides and redact paths', () => {
    const c = loadAuditConfig({
      AUTH_INTERNAL_URL: 'http://auth:8081',
      INTERNAL_SERVICE_SECRET: secret,
      AUDIT_VERBOSITY: 'minimal',
      AUDIT_VERBOSITY_BY_TENANT: 'acme=full, globex=standard',
      AUDIT_RETENTION_DAYS: '90',
      AUDIT_RETENTION_DAYS_BY_TENANT: 'acme=730',
      AUDIT_REDACT_FIELDS: 'arguments.profile.mobilePhone, ssn,details.**.answer',
    });
    assert.equal(verbosityFor(c, 'acme'), 'full');
    assert.equal(verbosityFor(c, 'other'), 'minimal');
    assert.equal(retentionDaysFor(c, 'acme'), 730);
    assert.equal(retentionDaysFor(c, 'other'), 90);
    assert.equal(physicalRetentionDays(c), 730);
    assert.deepEqual(c.redactFields, ['arguments.profile.mobilePhone', 'ssn', 'details.**.answer']);
  });

  it('names the variable that is wrong', () => {
    const bad = (env: Record<string, string>, variable: RegExp) =>
      assert.throws(
        () => loadAuditConfig({ AUTH_INTERNAL_URL: 'http://a', INTERNAL_SERVICE_SECRET: secret, ...env }),
        variable,
      );
    bad({ AUDIT_VERBOSITY: 'loud' }, /AUDIT_VERBOSITY: must be one of minimal, standard, full/);
    bad({ AUDIT_RETENTION_DAYS: '0' }, /AUDIT_RETENTION_DAYS: must be at least 1 day/);
    bad(
      { AUDIT_RETENTION_DAYS_BY_TENANT: 'acme=forever' },
      /AUDIT_RETENTION_DAYS_BY_TENANT: "acme=forever" is not/,
    );
    bad({ AUDIT_REDACT_FIELDS: 'a..b' }, /AUDIT_REDACT_FIELDS/);
    assert.throws(
      () => loadAuditConfig({ INTERNAL_SERVICE_SECRET: secret }),
      (e: unknown) => e instanceof ConfigError && /AUTH_INTERNAL_URL/.test(e.message),
    );
    assert.throws(() => loadAuditConfig({ AUTH_INTERNAL_URL: 'http://a' }), /INTERNAL_SERVICE_SECRET/);
  });

  it('embedded mode reaches auth at PUBLIC_URL', () => {
    const c = loadAuditConfig({
      PORTCULLIS_MODE: 'embedded',
      PUBLIC_URL: 'http://127.0.0.1:8080',
      INTERNAL_SERVICE_SECRET: secret,
    });
    assert.equal(c.authInternalUrl, 'http://127.0.0.1:8080');
  });
});
