import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { startSeeded } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, dragByMouse, launchChromium, signInPage } from '../helpers/browser.ts';

// Settings → Call dispositions, in a real Chromium against the real server: the order, by drag and by the arrows,
// is what the server keeps; a drag given up with Escape changes nothing.

let sys: TestSystem;
let browser: Browser;
let admin: Api;
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  let api;
  ({ sys, api } = await startSeeded('browser_settings'));
  admin = (await api.login('admin@acme.test')).api;
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const signIn = (email: string, to: string): Promise<Page> => signInPage(browser, sys.baseUrl, email, { to, track: session });


const serverOrder = async (): Promise<string[]> => (await admin.get('/api/v1/call-dispositions?all=true')).body.data.map((d: { name: string }) => d.name);

describe('call dispositions settings', () => {
  it('an admin reorders by drag and by the arrows; the server keeps the order; Escape puts a drag back', async () => {
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('dispositions-settings');
    const row = (name: string) => section.locator(`[data-disposition-name="${name}"]`);
    const shown = () => section.locator('[data-disposition-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-disposition-name')));
    await row('Busy').waitFor();
    await section.locator('ol').scrollIntoViewIfNeeded();
    const before = await serverOrder();
    expect(before.slice(0, 4)).toEqual(['Answered', 'No Answer', 'Voicemail', 'Busy']);
    expect(await shown()).toEqual(before);

    // Busy to the top, by its handle.
    await dragByMouse(page, row('Busy').getByTestId('disposition-handle'), row('Answered').getByTestId('disposition-name'));
    const dragged = ['Busy', 'Answered', 'No Answer', 'Voicemail', ...before.slice(4)];
    await expect.poll(serverOrder).toEqual(dragged);
    await expect.poll(shown).toEqual(dragged);
    await expect.poll(() => row('Busy').getByTestId('disposition-handle').isEnabled()).toBe(true);

    // One step down with the arrow.
    expect(await row('Busy').getByTestId('disposition-up').isDisabled()).toBe(true);
    await row('Busy').getByTestId('disposition-down').click();
    const stepped = ['Answered', 'Busy', 'No Answer', 'Voicemail', ...before.slice(4)];
    await expect.poll(serverOrder).toEqual(stepped);
    await expect.poll(shown).toEqual(stepped);
    await expect.poll(() => row('Busy').getByTestId('disposition-handle').isEnabled()).toBe(true);

    // A drag shows the new order while held; Escape gives it up and sends nothing.
    await dragByMouse(page, row('Voicemail').getByTestId('disposition-handle'), row('Answered').getByTestId('disposition-name'), {
      finish: async () => {
        expect((await shown())[0]).toBe('Voicemail');
        await page.keyboard.press('Escape');
        await page.mouse.up();
      },
    });
    expect(await shown()).toEqual(stepped);
    expect(await serverOrder()).toEqual(stepped);
    expect(await section.getByTestId('dispositions-error').count()).toBe(0);
  });
});
