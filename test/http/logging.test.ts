import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';

/**
 * Logs at the most verbose level the system has (trace), so that "never logged"
 * holds for every level an operator might turn on.
 */
let sys: TestSystem;
let api: Api;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('logging', { LOG_LEVEL: 'trace' }));
});
afterAll(async () => {
  await sys?.stop();
});

const parse = (line: string) => JSON.parse(line) as Record<string, any>;
const reqIdOf = (l: Record<string, any>) => l.req?.id ?? l.reqId;

/** The log lines written while `fn` runs (requests here run one at a time). */
async function linesDuring(fn: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const start = sys.logs.lines.length;
  await fn();
  // pino writes synchronously to the capture stream, but give the response's 'finish' a tick.
  await new Promise((r) => setTimeout(r, 20));
  return sys.logs.lines.slice(start).map(parse);
}

describe('request ids', () => {
  it('echoes a well-formed incoming X-Request-Id and puts it on every log line of the request', async () => {
    const id = `test-${randomBytes(8).toString('hex')}`;
    const cases: [string, string, unknown?][] = [
      ['GET', '/api/v1/me'], // 401: no token
      ['POST', '/api/v1/auth/login', { email: 'nobody@acme.test', password: 'not-it-at-all' }], // 401
      ['GET', '/api/v1/does-not-exist'], // 404
      ['POST', '/api/v1/auth/login', { email: 'admin@acme.test', password: 'demo-password' }], // 200
    ];
    for (const [method, path, body] of cases) {
      let res: Awaited<ReturnType<Api['request']>> | undefined;
      const lines = await linesDuring(async () => {
        res = await api.request(method, path, body, { headers: { 'x-request-id': id } });
      });
      expect(res!.headers.get('x-request-id'), `${method} ${path}`).toBe(id);
      expect(lines.length, `${method} ${path} logs something`).toBeGreaterThan(0);
      expect(lines.filter((l) => reqIdOf(l) !== id).map((l) => JSON.stringify(l)), `${method} ${path}`).toEqual([]);
      // The completion line carries the outcome.
      expect(lines.some((l) => l.res?.statusCode === res!.status)).toBe(true);
    }
  });

  it('makes up an id when none (or a malformed one) is sent, and logs that one', async () => {
    for (const given of [undefined, 'short', 'has spaces in it', '<script>alert(1)</script>', 'x'.repeat(65)]) {
      let res: Awaited<ReturnType<Api['request']>> | undefined;
      const lines = await linesDuring(async () => {
        res = await api.request('GET', '/api/v1/me', undefined, { headers: given ? { 'x-request-id': given } : {} });
      });
      const id = res!.headers.get('x-request-id');
      expect(id, String(given)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => reqIdOf(l) === id), String(given)).toBe(true);
      if (given) expect(sys.logs.text()).not.toContain(given === 'short' ? '"short"' : given);
    }
  });

  it('gives concurrent requests distinct ids', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => api.get('/api/v1/me')));
    const ids = results.map((r) => r.headers.get('x-request-id'));
    expect(new Set(ids).size).toBe(10);
  });
});

describe('secrets are never logged', () => {
  it('not the password, the refresh token, the access token or the Authorization header', async () => {
    const secrets: string[] = [];
    const wrongPassword = `Wrong-${randomBytes(12).toString('hex')}`;
    const brokenPassword = `Broken-${randomBytes(12).toString('hex')}`;
    const newPassword = `New-pass-${randomBytes(12).toString('hex')}`;
    secrets.push(wrongPassword, brokenPassword, newPassword);

    // A failed login, a login whose body is not even JSON, and a good one.
    expect((await api.post('/api/v1/auth/login', { email: 'agent1@acme.test', password: wrongPassword })).status).toBe(401);
    const broken = await api.request('POST', '/api/v1/auth/login', undefined, { raw: `{"email":"agent1@acme.test","password":"${brokenPassword}"` });
    expect(broken.status).toBe(400);
    const first = await api.login('agent1@acme.test');
    secrets.push(first.accessToken, first.refreshToken);

    // Refresh: the old and the new token pair.
    const refreshed = await api.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(refreshed.status).toBe(200);
    secrets.push(refreshed.body.accessToken, refreshed.body.refreshToken);
    // A reused refresh token (logged as a security event) must not be logged either.
    expect((await api.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken })).status).toBe(401);

    // The access token in a header, valid and invalid, and a password change through the API.
    const me = await api.as(refreshed.body.accessToken).get('/api/v1/me');
    expect(me.status).toBe(200);
    const bogus = `eyJhbGciOiJIUzI1NiJ9.${randomBytes(24).toString('base64url')}.${randomBytes(16).toString('base64url')}`;
    secrets.push(bogus);
    expect((await api.as(bogus).get('/api/v1/me')).status).toBe(401);
    const admin = await api.login('admin@acme.test');
    secrets.push(admin.accessToken, admin.refreshToken);
    const patched = await admin.api.patch(`/api/v1/users/${first.user.id}`, { password: newPassword });
    expect(patched.status).toBe(200);
    expect((await admin.api.post('/api/v1/auth/logout', { refreshToken: admin.refreshToken })).status).toBe(204);

    const text = sys.logs.text();
    // The capture works: the requests above were logged.
    expect(text).toContain('/api/v1/auth/refresh');
    expect(sys.logs.lines.length).toBeGreaterThan(8);
    const leaked = [...secrets, 'demo-password'].filter((s) => text.includes(s));
    expect(leaked).toEqual([]);
    expect(text).not.toMatch(/Bearer\s+[A-Za-z0-9._-]{10,}/);
    expect(text.toLowerCase()).not.toContain('authorization');
  });
});
