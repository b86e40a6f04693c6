import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressRefusal, classifyAddress, isLoopbackHost } from './address-policy';

describe('classifyAddress', () => {
  it('recognises public, private, loopback, link-local, metadata and reserved addresses', () => {
    const cases: [string, string][] = [
      ['93.184.216.34', 'public'],
      ['2606:4700:4700::1111', 'public'],
      ['10.0.0.1', 'private'],
      ['172.16.5.4', 'private'],
      ['172.32.0.1', 'public'],
      ['192.168.0.1', 'private'],
      ['100.64.1.1', 'private'],
      ['fd12:3456::1', 'private'],
      ['127.0.0.1', 'loopback'],
      ['127.8.9.10', 'loopback'],
      ['::1', 'loopback'],
      ['169.254.1.1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['169.254.169.254', 'metadata'],
      ['fd00:ec2::254', 'metadata'],
      ['0.0.0.0', 'reserved'],
      ['::', 'reserved'],
      ['224.0.0.1', 'reserved'],
      ['255.255.255.255', 'reserved'],
      ['not-an-ip', 'reserved'],
    ];
    for (const [ip, cls] of cases) assert.equal(classifyAddress(ip), cls, ip);
  });

  it('sees through IPv4-mapped and NAT64 IPv6 forms', () => {
    assert.equal(classifyAddress('::ffff:10.0.0.1'), 'private');
    assert.equal(classifyAddress('::ffff:a00:1'), 'private');
    assert.equal(classifyAddress('::ffff:127.0.0.1'), 'loopback');
    assert.equal(classifyAddress('64:ff9b::169.254.169.254'), 'metadata');
    assert.equal(classifyAddress('[::1]'), 'loopback');
  });
});

describe('addressRefusal', () => {
  const policy = { allowLoopback: false, allowedHosts: ['metadata.corp.example'] };
  it('allows public addresses and refuses the rest with a reason', () => {
    assert.equal(addressRefusal('client.example.com', '93.184.216.34', policy), null);
    assert.match(
      addressRefusal('evil.example.com', '10.0.0.7', policy)!,
      /evil\.example\.com resolves to 10\.0\.0\.7, a private address/,
    );
    assert.match(addressRefusal('x', '127.0.0.1', policy)!, /loopback/);
  });
  it('loopback only with the test flag; allow-listed hosts anywhere', () => {
    assert.equal(addressRefusal('localhost', '127.0.0.1', { ...policy, allowLoopback: true }), null);
    assert.match(addressRefusal('x', '10.0.0.1', { ...policy, allowLoopback: true })!, /private/);
    assert.equal(addressRefusal('metadata.corp.example', '10.0.0.1', policy), null);
  });
});

describe('isLoopbackHost', () => {
  it('knows localhost names and loopback literals', () => {
    for (const h of ['localhost', 'app.localhost', '127.0.0.1', '[::1]', '::1'])
      assert.equal(isLoopbackHost(h), true, h);
    for (const h of ['example.com', '10.0.0.1', 'localhost.example.com'])
      assert.equal(isLoopbackHost(h), false, h);
  });
});
