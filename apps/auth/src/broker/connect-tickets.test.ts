import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConnectTicketError, ConnectTickets } from './connect-tickets';

const secret = 'x'.repeat(40);

describe('ConnectTickets', () => {
  it('binds user and server, and builds the connect URL', async () => {
    const t = new ConnectTickets(secret, 'https://pc.example.com', 60);
    const url = new URL(await t.url({ userId: 'u1', serverId: 'okta' }));
    assert.equal(url.origin + url.pathname, 'https://pc.example.com/connect/start');
    assert.deepEqual(await t.verify(url.searchParams.get('ticket')!), { userId: 'u1', serverId: 'okta' });
  });
  it('refuses tickets signed with another secret or for another issuer', async () => {
    const t = await new ConnectTickets('y'.repeat(40), 'https://pc.example.com', 60).issue({
      userId: 'u1',
      serverId: 'okta',
    });
    await assert.rejects(
      new ConnectTickets(secret, 'https://pc.example.com', 60).verify(t),
      ConnectTicketError,
    );
    const other = await new ConnectTickets(secret, 'https://other.example.com', 60).issue({
      userId: 'u1',
      serverId: 'okta',
    });
    await assert.rejects(new ConnectTickets(secret, 'https://pc.example.com', 60).verify(other), /not valid/);
  });
  it('expires', async () => {
    const t = new ConnectTickets(secret, 'https://pc.example.com', -10);
    await assert.rejects(t.verify(await t.issue({ userId: 'u1', serverId: 'okta' })), /expired/);
  });
});
