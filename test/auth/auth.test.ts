import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, UnsecuredJWT } from 'jose';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';

let sys: TestSystem;
let api: Api;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('auth'));
});
afterAll(async () => {
  await sys?.stop();
});

const secret = () => new TextEncoder().encode(sys.config.JWT_SECRET);

describe('login', () => {
  it('returns tokens and the user for the demo admin', async () => {
    const res = await api.post('/api/v1/auth/login', { email: 'admin@acme.test', password: 'demo-password' });
    expect(res.status).toBe(200);
    expect(res.body.user).toMatchObject({ email: 'admin@acme.test', role: 'tenant_admin', name: 'Ada Admin' });
    expect(typeof res.body.user.id).toBe('number');
    expect(typeof res.body.user.tenantId).toBe('number');
    expect(res.body.accessToken.split('.')).toHaveLength(3);
    const [row] = await sql(sys, 'select count(*) n from authentication_events where email = ? and event_type = ?', ['admin@acme.test', 'login_success']);
    expect(Number(row.n)).toBeGreaterThanOrEqual(1);
    const [audit] = await sql(sys, "select * from audit_logs where action = 'auth.login' and user_id = ? order by id desc limit 1", [res.body.user.id]);
    expect(audit.ip_address).toBeTruthy();
  });

  it('answers the same 401 for a wrong password and an unknown email', async () => {
    const a = await api.post('/api/v1/auth/login', { email: 'admin@acme.test', password: 'wrong-password' });
    const b = await api.post('/api/v1/auth/login', { email: 'nobody@acme.test', password: 'wrong-password' });
    expect(a.status).toBe(401);
    expect(b.status).toBe(401);
    expect(a.body).toEqual(b.body);
    expect(a.body.error.code).toBe('invalid_credentials');
  });

  it('stores passwords as argon2id hashes', async () => {
    const [u] = await sql(sys, 'select password from users where email = ?', ['agent1@acme.test']);
    expect(u.password).toMatch(/^\$argon2id\$v=19\$/);
  });

  it('GET /me returns the user, tenant and permissions', async () => {
    const { api: me } = await api.login('agent1@acme.test');
    const res = await me.get('/api/v1/me');
    expect(res.status).toBe(200);
    expect(res.body.user.email).toBe('agent1@acme.test');
    expect(res.body.tenant.name).toBe('Acme Support');
    expect(res.body.permissions).toContain('leads.manage');
    expect(res.body.permissions).not.toContain('users.manage');
  });
});

describe('access tokens', () => {
  it('refuses no token, garbage, alg none, another algorithm, a wrong audience or issuer, and an expired token', async () => {
    const { user } = await api.login('agent2@acme.test');
    const claims = { tid: user.tenantId, role: user.role, ver: 0 };
    const good = () => new SignJWT(claims).setSubject(String(user.id)).setIssuer(sys.config.JWT_ISSUER).setAudience(sys.config.JWT_AUDIENCE).setIssuedAt();
    const cases: [string | undefined, string][] = [
      [undefined, 'token_missing'],
      ['not-a-token', 'token_invalid'],
      [new UnsecuredJWT(claims).setSubject(String(user.id)).setIssuer(sys.config.JWT_ISSUER).setAudience(sys.config.JWT_AUDIENCE).setIssuedAt().setExpirationTime('5m').encode(), 'token_algorithm'],
      [await good().setProtectedHeader({ alg: 'HS512' }).setExpirationTime('5m').sign(secret()), 'token_algorithm'],
      [await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer(sys.config.JWT_ISSUER).setAudience('someone-else').setIssuedAt().setExpirationTime('5m').sign(secret()), 'token_audience'],
      [await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setSubject(String(user.id)).setIssuer('evil').setAudience(sys.config.JWT_AUDIENCE).setIssuedAt().setExpirationTime('5m').sign(secret()), 'token_issuer'],
      [await good().setProtectedHeader({ alg: 'HS256' }).setIssuedAt(Math.floor(Date.now() / 1000) - 3600).setExpirationTime(Math.floor(Date.now() / 1000) - 60).sign(secret()), 'token_expired'],
      [await good().setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode('x'.repeat(40))), 'token_invalid'],
    ];
    for (const [token, code] of cases) {
      const res = await api.as(token).get('/api/v1/me');
      expect(res.status, code).toBe(401);
      expect(res.body.error.code).toBe(code);
    }
    const ok = await api.as(await good().setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(secret())).get('/api/v1/me');
    expect(ok.status).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rotate: each works once, and a reused one revokes the whole family', async () => {
    const first = await api.login('support@acme.test');
    const r1 = await api.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(r1.status).toBe(200);
    expect(r1.body.refreshToken).not.toBe(first.refreshToken);
    expect((await api.as(r1.body.accessToken).get('/api/v1/me')).status).toBe(200);

    // The old token again: theft is assumed, the family dies.
    const reuse = await api.post('/api/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.status).toBe(401);
    expect(reuse.body.error.code).toBe('refresh_token_reused');
    const r2 = await api.post('/api/v1/auth/refresh', { refreshToken: r1.body.refreshToken });
    expect(r2.status).toBe(401);
    const ev = await sql(sys, "select reason from authentication_events where event_type = 'refresh_reuse' and email = 'support@acme.test' order by id");
    expect(ev.map((e) => e.reason)).toEqual(['reused', 'revoked']);
  });

  it('two concurrent refreshes with one token: at most one succeeds', async () => {
    const s = await api.login('supervisor@acme.test');
    const results = await Promise.all([1, 2, 3].map(() => api.post('/api/v1/auth/refresh', { refreshToken: s.refreshToken })));
    expect(results.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
  });

  it('logout revokes the refresh token and writes an audit row', async () => {
    const s = await api.login('viewer@acme.test');
    const out = await s.api.post('/api/v1/auth/logout', { refreshToken: s.refreshToken });
    expect(out.status).toBe(204);
    expect((await api.post('/api/v1/auth/refresh', { refreshToken: s.refreshToken })).status).toBe(401);
    const [row] = await sql(sys, "select count(*) n from audit_logs where action = 'auth.logout' and user_id = ?", [s.user.id]);
    expect(Number(row.n)).toBe(1);
  });
});

describe('inactive users and suspended tenants', () => {
  it('an inactive user cannot log in and their live token stops working at once', async () => {
    const s = await api.login('agent1@globex.test');
    expect((await s.api.get('/api/v1/me')).status).toBe(200);
    await sql(sys, "update users set is_active = 0 where email = 'agent1@globex.test'");
    try {
      const me = await s.api.get('/api/v1/me');
      expect(me.status).toBe(401);
      expect(me.body.error.code).toBe('user_inactive');
      const login = await api.post('/api/v1/auth/login', { email: 'agent1@globex.test', password: 'demo-password' });
      expect(login.status).toBe(403);
      expect(login.body.error.code).toBe('user_inactive');
      expect((await api.post('/api/v1/auth/refresh', { refreshToken: s.refreshToken })).status).toBe(401);
    } finally {
      await sql(sys, "update users set is_active = 1 where email = 'agent1@globex.test'");
    }
  });

  it('a suspended tenant cannot log in and its tokens stop working', async () => {
    const s = await api.login('admin@globex.test');
    await sql(sys, "update tenants set status = 'suspended' where name = 'Globex Sales'");
    try {
      const me = await s.api.get('/api/v1/me');
      expect(me.status).toBe(401);
      expect(me.body.error.code).toBe('tenant_suspended');
      const login = await api.post('/api/v1/auth/login', { email: 'admin@globex.test', password: 'demo-password' });
      expect(login.status).toBe(403);
      expect(login.body.error.code).toBe('tenant_suspended');
      // A wrong password still gets the generic answer: suspension is not revealed.
      expect((await api.post('/api/v1/auth/login', { email: 'admin@globex.test', password: 'nope-nope' })).status).toBe(401);
    } finally {
      await sql(sys, "update tenants set status = 'active' where name = 'Globex Sales'");
    }
  });
});

describe('password change', () => {
  it('ends every live session of that user: old access and refresh tokens stop working, the new password works', async () => {
    const admin = await api.login('admin@acme.test');
    const victim = await api.login('agent1@acme.test');
    const res = await admin.api.patch(`/api/v1/users/${victim.user.id}`, { password: 'a-brand-new-password' });
    expect(res.status).toBe(200);
    const me = await victim.api.get('/api/v1/me');
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('token_revoked');
    const refresh = await api.post('/api/v1/auth/refresh', { refreshToken: victim.refreshToken });
    expect(refresh.status).toBe(401);
    // Not "already used": the console tells the user their session was revoked.
    expect(refresh.body.error.code).toBe('refresh_token_revoked');
    const again = await api.login('agent1@acme.test', 'a-brand-new-password');
    expect((await again.api.get('/api/v1/me')).status).toBe(200);
    await admin.api.patch(`/api/v1/users/${victim.user.id}`, { password: 'demo-password' });
  });
});

describe('brute force', () => {
  it('the 11th failure for one email from one IP gets 429 with Retry-After; other IPs are not locked out', async () => {
    const email = 'agent2@acme.test';
    const attacker = api.as(undefined, { 'x-forwarded-for': '203.0.113.7' });
    for (let i = 0; i < 10; i++) {
      const r = await attacker.post('/api/v1/auth/login', { email, password: `wrong-${i}` });
      expect(r.status).toBe(401);
    }
    const locked = await attacker.post('/api/v1/auth/login', { email, password: 'demo-password' });
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(900);
    expect(locked.body.error.code).toBe('too_many_attempts');

    // Failures spread over many addresses do not lock the real user out.
    for (let i = 0; i < 12; i++) {
      await api.as(undefined, { 'x-forwarded-for': `198.51.100.${i + 1}` }).post('/api/v1/auth/login', { email, password: 'still-wrong' });
    }
    const real = await api.as(undefined, { 'x-forwarded-for': '192.0.2.44' }).post('/api/v1/auth/login', { email, password: 'demo-password' });
    expect(real.status).toBe(200);

    const [v] = await sql(sys, "select count(*) n from rate_limit_violations where email = ? and ip_address = '203.0.113.7'", [email]);
    expect(Number(v.n)).toBe(1);
    const [attempts] = await sql(sys, 'select count(*) n from authentication_events where email = ?', [email]);
    expect(Number(attempts.n)).toBeGreaterThanOrEqual(24);
  });
});
