import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkRemoteMcpUrl } from './upstream-url';

it('accepts public https MCP URLs and refuses SSRF-prone ones unless allow-listed', () => {
  assert.deepEqual(checkRemoteMcpUrl('https://mcp.example.com/mcp', []), {
    ok: true,
    url: 'https://mcp.example.com/mcp',
  });
  const bad = (u: string, allow: string[] = []) => {
    const r = checkRemoteMcpUrl(u, allow);
    return r.ok ? 'ok' : r.reason;
  };
  assert.match(bad('http://mcp.example.com/mcp'), /https/);
  assert.match(bad('https://user:pw@mcp.example.com/mcp'), /credentials/);
  assert.match(bad('https://10.0.0.5/mcp'), /IP address/);
  assert.match(bad('https://[::1]/mcp'), /IP address/);
  assert.match(bad('https://localhost/mcp'), /public host/);
  assert.match(bad('https://metadata.internal/mcp'), /public host/);
  assert.match(bad('notaurl'), /valid absolute URL/);
  assert.match(bad('https://mcp.example.com/ mcp'), /whitespace/);
  assert.equal(bad('http://127.0.0.1:8123/mcp', ['http://127.0.0.1:*']), 'ok');
  assert.match(bad('http://127.0.0.2:8123/mcp', ['http://127.0.0.1:*']), /https/);
});
