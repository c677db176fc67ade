import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startSeeded } from '../helpers/seeded.ts';
import { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { ARTIFACTS, assertClientBuilt, launchChromium } from '../helpers/browser.ts';

let sys: TestSystem;
let browser: Browser;

beforeAll(async () => {
  assertClientBuilt();
  ({ sys } = await startSeeded('browser_login'));
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await sys?.stop();
});

describe('the console as a new user tries it', () => {
  it('a wrong password shows a clear message; the demo admin then signs in and sees the shell', async () => {
    const page = await browser.newPage();
    await page.goto(`${sys.baseUrl}/`);
    // Not signed in: the console sends us to the login page.
    await page.waitForURL(/\/login/);
    await page.getByTestId('login-email').fill('admin@acme.test');
    await page.getByTestId('login-password').fill('not-the-password');
    await page.getByTestId('login-submit').click();
    await expect.poll(() => page.getByTestId('login-error').textContent()).toContain('Email or password is incorrect');

    await page.getByTestId('login-password').fill('demo-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('user-name').waitFor();
    expect(await page.getByTestId('user-name').textContent()).toContain('Ada Admin');
    expect(await page.getByTestId('tenant-name').textContent()).toContain('Acme Support');
    // An admin sees the admin navigation.
    for (const nav of ['nav-leads', 'nav-calls', 'nav-users', 'nav-settings']) expect(await page.getByTestId(nav).count()).toBe(1);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-shell-admin.png') });

    // A reload keeps the session.
    await page.reload();
    await page.getByTestId('user-name').waitFor();

    await page.getByTestId('logout-button').click();
    await page.waitForURL(/\/login/);
    await page.close();
  });

  it('navigation follows the role: a read-only user sees no admin pages', async () => {
    const page = await browser.newPage();
    await page.goto(`${sys.baseUrl}/login`);
    await page.getByTestId('login-email').fill('viewer@acme.test');
    await page.getByTestId('login-password').fill('demo-password');
    await page.getByTestId('login-submit').click();
    await page.getByTestId('user-name').waitFor();
    expect(await page.getByTestId('nav-leads').count()).toBe(1);
    expect(await page.getByTestId('nav-users').count()).toBe(0);
    expect(await page.getByTestId('nav-settings').count()).toBe(0);
    await page.close();
  });

  it('an invited agent opens the accept link, chooses a password and lands in the console', async () => {
    const admin = await new Api(sys.baseUrl).login('admin@acme.test');
    const inv = await admin.api.post('/api/v1/invitations', { email: 'new.agent@acme.test', role: 'support_agent' });
    expect(inv.status).toBe(201);
    const link = new URL(inv.body.acceptUrl);
    const page = await browser.newPage();
    await page.goto(`${sys.baseUrl}${link.pathname}${link.search}`);
    expect(await page.getByTestId('invite-summary').textContent()).toContain('new.agent@acme.test');
    await page.getByTestId('invite-name').fill('Nina New');
    await page.getByTestId('invite-password').fill('a-long-enough-password');
    await page.getByTestId('invite-submit').click();
    await page.getByTestId('user-name').waitFor();
    expect(await page.getByTestId('user-name').textContent()).toContain('Nina New');
    // The link works once.
    const again = await browser.newPage();
    await again.goto(`${sys.baseUrl}${link.pathname}${link.search}`);
    await expect.poll(() => again.getByTestId('invite-error').textContent()).toContain('already accepted');
    await page.close();
    await again.close();
  });
});
