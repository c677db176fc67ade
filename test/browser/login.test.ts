import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startSeeded } from '../helpers/seeded.ts';
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
});
