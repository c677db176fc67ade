import { IncomingMessage } from 'node:http';
import { queryObjects } from 'node:v8';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { connectSocket, until, type ClientSocket } from '../helpers/sockets.ts';

/**
 * The HTTP request that opens a socket's connection is not kept for the connection's life (the gateway hands
 * Engine.IO a small stand-in), yet everything read from it still works: the client's address by the proxy
 * rule (TRUST_PROXY=loopback here, so the test client counts as a trusted proxy), the user agent, the headers
 * on `socket.request` and `socket.handshake`, over websocket and over long-polling.
 */
let sys: TestSystem;
let api: Api;
const open: ClientSocket[] = [];

beforeAll(async () => {
  ({ sys, api } = await startSeeded('rt_request', { TRUST_PROXY: 'loopback' }));
});
afterAll(async () => {
  for (const s of open) s.close();
  await sys?.stop();
});

async function connect(transports: ('websocket' | 'polling')[], headers: Record<string, string>) {
  const { accessToken } = await api.login('viewer@acme.test');
  const s = await connectSocket(sys.baseUrl, accessToken, { transports, headers });
  open.push(s);
  return s;
}

async function sessionRow(socketId: string) {
  await until(async () => (await sql(sys, 'select 1 from user_sessions where socket_id = ?', [socketId])).length === 1, 3000, 25);
  const [row] = await sql(sys, 'select ip_address, user_agent from user_sessions where socket_id = ?', [socketId]);
  return row;
}

describe('the request that opened a connection', () => {
  for (const transports of [['websocket'], ['polling'], ['polling', 'websocket']] as ('websocket' | 'polling')[][]) {
    it(`${transports.join(' then ')}: the trusted proxy's X-Forwarded-For and the user agent are recorded, and the headers stay readable`, async () => {
      const s = await connect(transports, { 'x-forwarded-for': '203.0.113.7', 'user-agent': `agent-console/${transports.join('+')}` });
      expect(await sessionRow(s.id!)).toEqual({ ip_address: '203.0.113.7', user_agent: `agent-console/${transports.join('+')}` });
      const server = sys.gateway!.io.of('/').sockets.get(s.id!)!;
      expect(server.request.headers['user-agent']).toBe(`agent-console/${transports.join('+')}`);
      expect(server.handshake.headers['x-forwarded-for']).toBe('203.0.113.7');
      expect(server.handshake.address).toMatch(/127\.0\.0\.1/);
      expect(server.request).not.toBeInstanceOf(IncomingMessage);
    });
  }

  it('is not held per idle connection: 30 more websocket connections leave no more IncomingMessage objects on the heap', async () => {
    // queryObjects counts after a full GC, in this process (the system under test runs in it).
    const before = queryObjects(IncomingMessage, { format: 'count' }) as number;
    const { accessToken } = await api.login('agent1@acme.test');
    const sockets = await Promise.all(Array.from({ length: 30 }, () => connectSocket(sys.baseUrl, accessToken)));
    open.push(...sockets);
    expect(sys.gateway!.io.of('/').sockets.size).toBeGreaterThanOrEqual(30);
    const after = queryObjects(IncomingMessage, { format: 'count' }) as number;
    // A few may be in flight (the login above, a keep-alive socket's parser); one per connection would be 30.
    expect(after - before).toBeLessThan(5);
  });
});
