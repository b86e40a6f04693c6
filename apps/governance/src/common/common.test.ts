import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { ForbiddenException } from '@nestjs/common';
import { z } from 'zod';
import { adminBodyReader } from './body';
import { assertRevision, etagOf, requireIfMatch } from './etag';
import { decodeCursor, encodeCursor, toPage } from './pagination';
import { PreconditionFailedProblem, PreconditionRequiredProblem, ValidationProblem } from './problem';
import { toProblem } from './problem.filter';
import { parseInput } from './validation';
import { oneOf } from './vocabulary';

describe('ETag / If-Match', () => {
  it('requires If-Match, accepts weak and strong forms and *, and fails stale revisions with 412', () => {
    assert.throws(() => requireIfMatch(undefined, 'tool'), PreconditionRequiredProblem);
    assert.equal(requireIfMatch('"3"', 'tool'), 3);
    assert.equal(requireIfMatch('W/"3"', 'tool'), 3);
    assert.equal(requireIfMatch('*', 'tool'), null);
    assert.equal(requireIfMatch('garbage', 'tool'), -1);
    assert.doesNotThrow(() => assertRevision(3, 3, 'tool'));
    assert.doesNotThrow(() => assertRevision(null, 3, 'tool'));
    assert.throws(
      () => assertRevision(2, 3, 'tool'),
      (e: unknown) => e instanceof PreconditionFailedProblem && e.extensions['currentEtag'] === etagOf(3),
    );
  });
});

describe('cursor pagination', () => {
  it('round-trips cursors and refuses forged ones with a 400 naming the cursor', () => {
    assert.deepEqual(decodeCursor(encodeCursor('okta', 'id-1')), { key: 'okta', id: 'id-1' });
    assert.equal(decodeCursor(undefined), undefined);
    assert.throws(
      () => decodeCursor('not-a-cursor'),
      (e: unknown) => e instanceof ValidationProblem && e.errors![0]!.field === 'query.cursor',
    );
    const page = toPage(
      [1, 2, 3],
      2,
      (n) => ({ key: String(n), id: String(n) }),
      (n) => n * 10,
    );
    assert.deepEqual(page.data, [10, 20]);
    assert.deepEqual(decodeCursor(page.nextCursor!), { key: '2', id: '2' });
    assert.equal(
      toPage(
        [1],
        2,
        (n) => ({ key: String(n), id: String(n) }),
        (n) => n,
      ).nextCursor,
      null,
    );
  });
});

describe('validation', () => {
  const schema = z.strictObject({
    mode: oneOf(['per_user', 'service'], 'credential mode'),
    ids: z.array(z.uuid()).optional(),
  });

  it('names each bad field, lists allowed enum values and flags unknown fields', () => {
    assert.throws(
      () => parseInput(schema, { mode: 'shared', ids: ['x'], extra: 1 }),
      (e: unknown) => {
        assert.ok(e instanceof ValidationProblem);
        const byField = Object.fromEntries(e.errors!.map((x) => [x.field, x.message]));
        assert.match(
          byField['mode']!,
          /must be one of per_user, service; "shared" is not a known credential mode/,
        );
        assert.ok(byField['ids[0]']);
        assert.match(byField['extra']!, /not a known field/);
        return true;
      },
    );
    assert.throws(
      () => parseInput(schema, undefined),
      (e: unknown) => e instanceof ValidationProblem && /needs a JSON body/.test(e.detail),
    );
  });
});

describe('problem details', () => {
  it('maps domain errors and Nest exceptions to RFC 7807 bodies', () => {
    const v = toProblem(new ValidationProblem('bad', [{ field: 'a', message: 'b' }]), '/api/v1/x').body;
    assert.deepEqual(v, {
      type: 'urn:portcullis:problem:validation-failed',
      title: 'The request is not valid',
      status: 400,
      detail: 'bad',
      instance: '/api/v1/x',
      errors: [{ field: 'a', message: 'b' }],
    });
    const f = toProblem(new ForbiddenException('not an admin'), '/x').body;
    assert.deepEqual([f.status, f.type, f.detail], [403, 'urn:portcullis:problem:forbidden', 'not an admin']);
    const u = toProblem(new Error('boom'), '/x');
    assert.deepEqual([u.body.status, u.unexpected], [500, true]);
    assert.doesNotMatch(u.body.detail, /boom/);
  });
});

describe('admin body reader', () => {
  it('answers 413 / 400 / 415 as problem details and passes JSON bodies on', async () => {
    const reader = adminBodyReader(100);
    const server = createServer((req, res) => {
      reader(req, res, () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ body: (req as typeof req & { body?: unknown }).body ?? null }));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = async (path: string, body: string, type = 'application/json') => {
      const r = await fetch(url + path, { method: 'POST', headers: { 'content-type': type }, body });
      return {
        status: r.status,
        type: r.headers.get('content-type'),
        body: (await r.json()) as Record<string, unknown>,
      };
    };
    try {
      const ok = await post('/api/v1/toolsets', '{"name":"x"}');
      assert.deepEqual([ok.status, ok.body], [200, { body: { name: 'x' } }]);
      const big = await post('/api/v1/toolsets', JSON.stringify({ name: 'x'.repeat(200) }));
      assert.deepEqual(
        [big.status, big.type, big.body['type']],
        [413, 'application/problem+json', 'urn:portcullis:problem:payload-too-large'],
      );
      const broken = await post('/api/v1/profiles', '{"name":');
      assert.deepEqual([broken.status, broken.body['type']], [400, 'urn:portcullis:problem:malformed-json']);
      const text = await post('/api/v1/profiles', 'name=x', 'text/plain');
      assert.equal(text.status, 415);
      const elsewhere = await post('/api/v1/audit/export', JSON.stringify({ name: 'x'.repeat(200) }));
      assert.deepEqual(
        [elsewhere.status, elsewhere.body],
        [200, { body: null }],
        'other services’ routes are left alone',
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
