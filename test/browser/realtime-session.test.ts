import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSeeded, sql } from '../helpers/seeded.ts';
import { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';

// The socket's handshake and the session: an expired access token is refreshed and the socket reconnects with
// the new one; a refusal for good (deactivated user, revoked session) ends the session on the login page.
// Access tokens live 30 s here (the shortest the configuration allows), so the first test waits that long.

const TOKEN_TTL_SECONDS = 30;
let sys: TestSystem;
let browser: Browser;
const ids: Record<string, number> = {};
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  ({ sys } = await startSeeded('browser_rt_session', { ACCESS_TOKEN_TTL_SECONDS: TOKEN_TTL_SECONDS, PRESENCE_GRACE_MS: 1500, PRESENCE_SWEEP_MS: 300, PRESENCE_HEARTBEAT_MS: 300 }));
  for (const row of await sql(sys, 'select id, email from users')) ids[row.email] = Number(row.id);
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

/** Signs in from the plain login page, in a context of Playwright's default size, and waits for presence to be live. */
async function signIn(email: string): Promise<Page> {
  const page = await signInPage(await session.newContext(browser), sys.baseUrl, email, { track: session });
  await expect.poll(() => page.getByTestId('presence-select').isEnabled()).toBe(true);
  return page;
}

/** Drops the user's connections at the transport level, as a network blip or a restarting node would. */
function dropTransport(userId: number): number {
  let dropped = 0;
  for (const socket of sys.gateway!.io.of('/').sockets.values()) {
    if (socket.data.userId === userId) {
      socket.conn.close();
      dropped += 1;
    }
  }
  return dropped;
}

describe('the socket and the session', () => {
  it('reconnecting with an expired access token refreshes it and carries on', async () => {
    const page = await signIn('agent2@acme.test');
    const refreshes: number[] = [];
    page.on('request', (request) => {
      if (request.url().endsWith('/api/v1/auth/refresh')) refreshes.push(Date.now());
    });

    // Nothing in the page talks REST meanwhile, so the token in memory expires while the socket stays up.
    await page.waitForTimeout((TOKEN_TTL_SECONDS + 2) * 1000);
    expect(refreshes).toEqual([]);
    expect(dropTransport(ids['agent2@acme.test'])).toBeGreaterThan(0);

    await expect.poll(() => refreshes.length, { timeout: 10_000 }).toBe(1);
    await expect.poll(() => page.getByTestId('connection-banner').count(), { timeout: 10_000 }).toBe(0);
    expect(page.url()).not.toContain('/login');
    // Live again with the new token: a state change goes through.
    await page.getByTestId('presence-select').selectOption('away');
    await expect.poll(() => page.getByTestId('presence-select').getAttribute('data-state')).toBe('away');
  }, 90_000);

  it('a user deactivated while signed in is sent to the login page with a message', async () => {
    const page = await signIn('agent1@acme.test');
    const admin = await new Api(sys.baseUrl).login('admin@acme.test');
    const res = await admin.api.post(`/api/v1/users/${ids['agent1@acme.test']}/deactivate`);
    expect(res.status).toBe(200);

    await page.waitForURL(/\/login/, { timeout: 10_000 });
    const notice = await page.getByTestId('login-notice').textContent();
    expect(notice).toContain('deactivated');
    // Nothing of the session is left behind.
    expect(await page.evaluate(() => [sessionStorage.getItem('cc.accessToken'), localStorage.getItem('cc.refreshToken')])).toEqual([null, null]);
  });

  it('a password changed elsewhere revokes the session: login page, with the reason', async () => {
    const page = await signIn('support@acme.test');
    const admin = await new Api(sys.baseUrl).login('admin@acme.test');
    const res = await admin.api.patch(`/api/v1/users/${ids['support@acme.test']}`, { password: 'a-brand-new-password' });
    expect(res.status).toBe(200);
    await page.waitForURL(/\/login/, { timeout: 10_000 });
    expect(await page.getByTestId('login-notice').textContent()).toContain('revoked');
  });

  // The same reasons when a REST call notices first: the refused refresh names them.
  const restFirst: Array<[string, string, (admin: Api, userId: number) => Promise<{ status: number }>, string]> = [
    ['a password change', 'viewer@acme.test', (admin, id) => admin.patch(`/api/v1/users/${id}`, { password: 'a-brand-new-password' }), 'revoked'],
    ['a deactivation', 'supervisor@acme.test', (admin, id) => admin.post(`/api/v1/users/${id}/deactivate`), 'deactivated'],
  ];
  it.each(restFirst)('with its socket cut off and new websockets blocked, the console still ends the session after %s, with the same reason', async (_what, email, act, reason) => {
    const page = await signIn(email);
    // The console's REST answers from here on (not the socket's): the session must end through one of them.
    const refused: string[] = [];
    page.on('response', (r) => {
      const path = new URL(r.url()).pathname;
      if (r.status() === 401 && path.startsWith('/api/v1/')) refused.push(`${r.request().method()} ${path}`);
    });
    // From here on the socket cannot reach the server (a new websocket meets a peer that never answers), so
    // only the console's REST calls can learn that the session is over.
    await page.routeWebSocket(/\/socket\.io\//, () => {});
    await page.route(/\/socket\.io\//, (route) => route.abort());
    // And the socket it has now is cut, so that it cannot hear the change either (revalidation would tell it).
    expect(dropTransport(ids[email])).toBeGreaterThan(0);
    await page.getByTestId('connection-banner').waitFor({ timeout: 10_000 });
    const admin = await new Api(sys.baseUrl).login('admin@acme.test');
    expect((await act(admin.api, ids[email])).status).toBe(200);
    // A REST call: the navigation's, unless the console made one of its own first. The click as a DOM event on the
    // link: the reconnecting banner shifts the layout, and a pointer click waits for things to hold still.
    await page.getByTestId('nav-leads').dispatchEvent('click', undefined, { timeout: 3000 }).catch(() => undefined);
    await page.waitForURL(/\/login/, { timeout: 20_000 });
    expect(await page.getByTestId('login-notice').textContent()).toContain(reason);
    // It was REST that learned it: a request the navigation made was refused (401), and for a deactivation (the
    // access token itself still valid) the refresh that followed was refused too, naming the reason.
    expect(refused.filter((r) => r !== 'POST /api/v1/auth/refresh').length, JSON.stringify(refused)).toBeGreaterThan(0);
    if (reason === 'deactivated') expect(refused).toContain('POST /api/v1/auth/refresh');
  });
});
