import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';

// The Contacts page, end to end: real server, real Chromium. No SIP server runs here, so no softphone can
// register: the Call button must be there, dialling the contact's E.164 number, and disabled with its reason.
// Contacts created or edited by someone else show up live (contact:created, contact:updated), without a reload.

let sys: TestSystem;
let browser: Browser;
let admin: Api;
let target: { id: number; phone: string };
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  let api;
  ({ sys, api } = await startSeeded('browser_contacts'));
  admin = (await api.login('admin@acme.test')).api;
  const res = await admin.post('/api/v1/contacts', { firstName: 'Quentin', lastName: 'Callable', phone: '(202) 555-0123', email: 'quentin@callable.example' });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  target = res.body;
  browser = await launchChromium();
});
afterEach((ctx) => session.screenshotOnFail(ctx, 'contacts'));
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const signIn = (email: string, to = '/contacts'): Promise<Page> => signInPage(browser, sys.baseUrl, email, { to, track: session });

/** Types a search and waits until the table shows the server's answer to exactly that search. */
async function search(page: Page, q: string): Promise<void> {
  await page.getByTestId('contacts-search').fill(q);
  await page.locator(`[data-testid="contacts-table"][data-loading="false"][data-query="${q}"]`).waitFor();
}

const rowIds = async (page: Page) =>
  (await page.locator('[data-testid^="contact-row-"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-testid')))).map((t) => Number(t!.slice('contact-row-'.length)));

describe('the Contacts page', () => {
  it('lists the tenant\'s contacts and finds one by name and by phone in another format; its Call button waits for the phone', async () => {
    const page = await signIn('agent1@acme.test');
    await page.getByTestId('contacts-page').waitFor();
    await page.locator('[data-testid="contacts-table"][data-loading="false"]').waitFor();
    // Newest first: the contact made for this test is on top of the first page.
    expect((await rowIds(page))[0]).toBe(target.id);
    expect(await page.getByTestId('contacts-count').textContent()).toContain('50 shown, more available');

    await search(page, 'Quentin Call');
    expect(await rowIds(page)).toEqual([target.id]);
    expect(page.url()).toContain('q=Quentin+Call');
    const row = page.getByTestId(`contact-row-${target.id}`);
    expect(await row.getByTestId('contact-name').textContent()).toBe('Quentin Callable');
    expect(await row.getByTestId('contact-phone').textContent()).toBe('+12025550123');

    // The Call button is there, dials the stored number, and is disabled while the softphone is not registered.
    const call = page.getByTestId(`contact-call-${target.id}`);
    await call.waitFor();
    expect(await call.getAttribute('data-number')).toBe('+12025550123');
    expect(await call.isDisabled()).toBe(true);
    expect(await call.getAttribute('title')).toBe('The phone is not ready, or a call is in progress.');
    expect(await page.getByTestId('softphone').getAttribute('data-registration')).not.toBe('registered');

    await search(page, '202-555-0123');
    expect(await rowIds(page)).toEqual([target.id]);
    await search(page, 'quentin@callable');
    expect(await rowIds(page)).toEqual([target.id]);
    await search(page, 'Nobody Byth1sname');
    await page.getByTestId('contacts-empty').waitFor();
    expect(await rowIds(page)).toEqual([]);

    // A bookmarked search opens as it was.
    await page.goto(`${sys.baseUrl}/contacts?q=Quentin`);
    await page.locator('[data-testid="contacts-table"][data-loading="false"][data-query="Quentin"]').waitFor();
    expect(await rowIds(page)).toEqual([target.id]);
    expect(await page.getByTestId('contacts-search').inputValue()).toBe('Quentin');
  });

  it('creates a contact from the dialog: an invalid phone is refused on its field, a valid one is stored in E.164', async () => {
    const page = await signIn('agent1@acme.test');
    await page.locator('[data-testid="contacts-table"][data-loading="false"]').waitFor();
    await page.getByTestId('contact-create').click();
    const dialog = page.getByTestId('create-contact-dialog');
    await dialog.getByTestId('contact-first-name').fill('Dialog');
    await dialog.getByTestId('contact-last-name').fill('Made');
    await dialog.getByTestId('contact-phone-input').fill('not a phone');
    await dialog.getByTestId('create-contact-submit').click();
    await dialog.getByTestId('contact-phone-error').waitFor();
    expect(await dialog.getByTestId('create-contact-error').textContent()).toContain('not a valid phone number');

    await dialog.getByTestId('contact-phone-input').fill('(202) 555-0124');
    await dialog.getByTestId('create-contact-submit').click();
    await dialog.waitFor({ state: 'detached' });
    const [row] = await sql(sys, "select id, phone, created_by_id from contacts where first_name = 'Dialog' and last_name = 'Made'");
    expect(row.phone).toBe('+12025550124');
    const shown = page.getByTestId(`contact-row-${Number(row.id)}`);
    expect(await shown.getByTestId('contact-name').textContent()).toBe('Dialog Made');
    expect(await shown.getByTestId('contact-phone').textContent()).toBe('+12025550124');
  });

  it('shows no Call button to a user who may not place calls, and nothing of another tenant', async () => {
    const viewer = await signIn('viewer@acme.test');
    await viewer.locator('[data-testid="contacts-table"][data-loading="false"]').waitFor();
    expect((await rowIds(viewer)).length).toBeGreaterThan(0);
    expect(await viewer.locator('[data-testid^="contact-call-"]').count()).toBe(0);
    expect(await viewer.getByTestId('contact-create').count()).toBe(0);

    const globex = await signIn('admin@globex.test');
    await globex.locator('[data-testid="contacts-table"][data-loading="false"]').waitFor();
    const globexIds = new Set((await sql(sys, "select c.id from contacts c join tenants t on t.id = c.tenant_id where t.name = 'Globex Sales'")).map((r) => Number(r.id)));
    const shown = await rowIds(globex);
    expect(shown.length).toBe(globexIds.size);
    expect(shown.every((id) => globexIds.has(id))).toBe(true);
    await search(globex, 'Quentin');
    expect(await rowIds(globex)).toEqual([]);
  });

  it('shows a contact someone else creates on top, and their edits in place, live and without a reload; a search shows only what it matched', async () => {
    const page = await signIn('agent1@acme.test');
    await page.locator('[data-testid="contacts-table"][data-loading="false"][data-live="true"]').waitFor();
    const before = await rowIds(page);
    const nameOf = (id: number) => page.getByTestId(`contact-row-${id}`).getByTestId('contact-name');

    // The admin, elsewhere, adds a contact: it appears on top of the agent's open list, once.
    const made = await admin.post('/api/v1/contacts', { firstName: 'Livia', lastName: 'Pushed', phone: '(202) 555-0125' });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    await nameOf(made.body.id).waitFor({ timeout: 3000 });
    expect(await nameOf(made.body.id).textContent()).toBe('Livia Pushed');
    expect(await rowIds(page)).toEqual([made.body.id, ...before]);

    // Their edit replaces the row in place (no second row, same position).
    expect((await admin.patch(`/api/v1/contacts/${made.body.id}`, { lastName: 'Edited', phone: '+1 202 555 0126' })).status).toBe(200);
    await expect.poll(() => nameOf(made.body.id).textContent(), { timeout: 3000 }).toBe('Livia Edited');
    expect(await page.getByTestId(`contact-row-${made.body.id}`).getByTestId('contact-phone').textContent()).toBe('+12025550126');
    expect(await rowIds(page)).toEqual([made.body.id, ...before]);
    // An edit of a contact from the loaded page, too.
    expect((await admin.patch(`/api/v1/contacts/${target.id}`, { address: '9 Live Street' })).status).toBe(200);
    await expect.poll(() => page.getByTestId(`contact-row-${target.id}`).textContent(), { timeout: 3000 }).toContain('9 Live Street');

    // While a search is active, a new contact does not push in; an edit of a row shown still applies.
    await search(page, 'Livia');
    expect(await rowIds(page)).toEqual([made.body.id]);
    const other = await admin.post('/api/v1/contacts', { firstName: 'Unmatched', lastName: 'Newcomer', phone: '(202) 555-0127' });
    expect(other.status).toBe(201);
    expect((await admin.patch(`/api/v1/contacts/${made.body.id}`, { firstName: 'Livianne' })).status).toBe(200);
    // Events arrive in order: once the later edit shows, the earlier creation has been handled too.
    await expect.poll(() => nameOf(made.body.id).textContent(), { timeout: 3000 }).toBe('Livianne Edited');
    expect(await rowIds(page)).toEqual([made.body.id]);
    expect(await page.getByTestId(`contact-row-${other.body.id}`).count()).toBe(0);
  });
});
