import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it } from 'node:test';
import { fastPathRequest } from './fast-path';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const req = (headers: Record<string, string> = HEADERS) => ({ headers }) as unknown as IncomingMessage;
const call = (params: unknown, extra: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id: 3, method: 'tools/call', params, ...extra });

describe('the gateway fast path takes only what it answers exactly as the SDK would', () => {
  it('takes tools/call and tools/list from 2025-era clients', () => {
    assert.deepEqual(fastPathRequest(req(), call({ name: 'okta_whoami', arguments: { a: 1 } })), { id: 3, method: 'tools/call', name: 'okta_whoami', args: { a: 1 } });
    assert.deepEqual(fastPathRequest(req(), call({ name: 'okta_whoami' })), { id: 3, method: 'tools/call', name: 'okta_whoami', args: {} });
    assert.deepEqual(fastPathRequest({ headers: { ...HEADERS, 'mcp-protocol-version': '2025-11-25' } } as never, { jsonrpc: '2.0', id: 'x', method: 'tools/list' }), { id: 'x', method: 'tools/list' });
    assert.deepEqual(fastPathRequest(req(), { jsonrpc: '2.0', id: 4, method: 'tools/list', params: {} }), { id: 4, method: 'tools/list' });
  });

  const leftToSdk: [string, IncomingMessage, unknown][] = [
    ['a 2026-07-28 request (modern header)', req({ ...HEADERS, 'mcp-protocol-version': '2026-07-28' }), call({ name: 't' })],
    ['a request with a _meta envelope or progress token', req(), call({ name: 't', _meta: { progressToken: 1 } })],
    ['an unknown protocol revision', req({ ...HEADERS, 'mcp-protocol-version': '2024-01-01' }), call({ name: 't' })],
    ['no protocol version header', req({ 'content-type': 'application/json', accept: 'application/json, text/event-stream' }), call({ name: 't' })],
    ['a client that does not accept event streams', req({ ...HEADERS, accept: 'application/json' }), call({ name: 't' })],
    ['a non-JSON content type', req({ ...HEADERS, 'content-type': 'text/plain' }), call({ name: 't' })],
    ['an Mcp-Method header', req({ ...HEADERS, 'mcp-method': 'tools/call' }), call({ name: 't' })],
    ['initialize', req(), { jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }],
    ['a notification (no id)', req(), { jsonrpc: '2.0', method: 'tools/call', params: { name: 't' } }],
    ['a batch', req(), [call({ name: 't' })]],
    ['a null id', req(), call({ name: 't' }, { id: null })],
    ['a fractional id', req(), call({ name: 't' }, { id: 1.5 })],
    ['not JSON-RPC 2.0', req(), call({ name: 't' }, { jsonrpc: '1.0' })],
    ['a name that is not a string', req(), call({ name: 7 })],
    ['arguments that are not an object', req(), call({ name: 't', arguments: [1] })],
    ['params that are not an object', req(), call('x')],
    ['a task-augmented call', req(), call({ name: 't', task: { ttl: 1000 } })],
    ['a paginated tools/list', req(), { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { cursor: 'abc' } }],
    ['another method', req(), { jsonrpc: '2.0', id: 1, method: 'resources/list' }],
  ];
  for (const [label, r, body] of leftToSdk) {
    it(`leaves ${label} to the SDK`, () => assert.equal(fastPathRequest(r, body), undefined));
  }
});
