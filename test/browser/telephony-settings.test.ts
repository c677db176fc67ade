import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { sql, startSeeded } from '../helpers/seeded.ts';
import type { Api } from '../helpers/api.ts';
import type { TestSystem } from '../helpers/system.ts';
import { BrowserSession, assertClientBuilt, launchChromium, signInPage } from '../helpers/browser.ts';
import { SecretBox } from '../../server/security/secret-box.ts';

// Settings → SIP credentials, Softphone network (STUN/TURN) and Call dispositions, driven by an admin in a real
// Chromium against the real server: each step is checked on the screen (what the admin reads) and on the server
// (the API, and for the SIP password the database row itself).

let sys: TestSystem;
let api: Api;
let browser: Browser;
let admin: Api;
const session = new BrowserSession();

beforeAll(async () => {
  assertClientBuilt();
  ({ sys, api } = await startSeeded('browser_telephony'));
  admin = (await api.login('admin@acme.test')).api;
  browser = await launchChromium();
});
afterAll(async () => {
  await session.closeAll();
  await browser?.close();
  await sys?.stop();
});

const signIn = (email: string, to: string): Promise<Page> => signInPage(browser, sys.baseUrl, email, { to, track: session });

const userId = async (email: string): Promise<number> => Number((await sql(sys, 'select id from users where email = ?', [email]))[0].id);
const sipRows = (id: number) => sql<{ sip_ws_url: string; sip_username: string; sip_domain: string; display_name: string | null; auto_register: number; password_ciphertext: string; password_key_id: string }>(
  sys, 'select * from agent_sip_credentials where user_id = ?', [id],
);
/** The field error shown under one input of the SIP form. */
const fieldError = (form: Locator, testId: string) => form.locator('label', { has: form.page().getByTestId(testId) }).locator('.field-error');

describe('SIP credentials settings', () => {
  it('an admin sets an agent’s credentials (password encrypted, never shown), bad input is refused with the server’s words, and removes them', async () => {
    const caseyId = await userId('support@acme.test');
    const casey = (await api.login('support@acme.test')).api;
    const password = 'Casey-S1p-Pa55!';
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('sip-credentials-settings');
    const row = section.getByTestId(`sip-row-${caseyId}`);
    const form = section.getByTestId('sip-form');

    await expect.poll(() => row.getAttribute('data-configured')).toBe('false');
    await expect.poll(() => row.getByTestId('sip-status').textContent()).toBe('Not configured');
    expect(await section.getByTestId('sip-configured-count').textContent()).toBe('2 configured');
    expect(await sipRows(caseyId)).toEqual([]);
    expect((await casey.get('/api/v1/sip-credentials/me')).status).toBe(404);

    // Set up, with a WebSocket URL that is not ws:// or wss://: the server's message shows under the field; nothing is stored.
    await row.getByTestId('sip-edit').click();
    await form.waitFor();
    await form.getByTestId('sip-ws-url').fill('https://pbx.acme.test:8089/ws');
    await form.getByTestId('sip-username-input').fill('1003');
    await form.getByTestId('sip-password').fill(password);
    await form.getByTestId('sip-domain').fill('pbx.acme.test');
    await form.getByTestId('sip-display-name').fill('Casey (Support)');
    await form.getByTestId('sip-auto-register').setChecked(false);
    await form.getByTestId('sip-save').click();
    await expect.poll(() => fieldError(form, 'sip-ws-url').textContent()).toBe('must be a ws:// or wss:// URL');
    expect(await section.getByTestId('sip-error').innerText()).toBe('Check the highlighted fields.');
    expect(await form.getByTestId('sip-ws-url').getAttribute('aria-invalid')).toBe('true');
    expect(await form.locator('.field-error').count()).toBe(1);
    expect(await sipRows(caseyId)).toEqual([]);
    expect((await admin.get('/api/v1/sip-credentials')).body.data.map((c: { userId: number }) => c.userId)).not.toContain(caseyId);

    // A username another agent has: the server's 409 is shown, under the field too; still nothing stored.
    await form.getByTestId('sip-ws-url').fill('wss://pbx.acme.test:8089/ws');
    await form.getByTestId('sip-username-input').fill('1001');
    await form.getByTestId('sip-save').click();
    await expect.poll(() => section.getByTestId('sip-error').innerText()).toBe('The SIP username 1001 is already used by Alex Agent.');
    expect(await fieldError(form, 'sip-username-input').textContent()).toBe('is used by another agent of this tenant');
    expect(await fieldError(form, 'sip-ws-url').count()).toBe(0);
    expect(await sipRows(caseyId)).toEqual([]);

    // Cancelled: the form closes, and so does its error; opened again, it starts clean.
    await form.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => form.count()).toBe(0);
    expect(await section.getByTestId('sip-error').count()).toBe(0);
    await row.getByTestId('sip-edit').click();
    await form.waitFor();
    expect(await form.locator('.field-error').count()).toBe(0);
    expect(await form.getByTestId('sip-password').inputValue()).toBe('');
    await form.getByTestId('sip-ws-url').fill('wss://pbx.acme.test:8089/ws');
    await form.getByTestId('sip-password').fill(password);
    await form.getByTestId('sip-domain').fill('pbx.acme.test');
    await form.getByTestId('sip-display-name').fill('Casey (Support)');
    await form.getByTestId('sip-auto-register').setChecked(false);

    // Corrected: saved.
    await form.getByTestId('sip-username-input').fill('1003');
    await form.getByTestId('sip-save').click();
    await expect.poll(() => section.getByTestId('sip-notice').innerText()).toBe('Casey Support’s SIP credentials are saved; their softphone picks them up at once.');
    expect(await form.count()).toBe(0);
    expect(await section.getByTestId('sip-error').count()).toBe(0);

    // (a) The list shows them, never the password (not in the text, not anywhere in the page).
    expect(await row.getAttribute('data-configured')).toBe('true');
    expect(await row.getByTestId('sip-username').innerText()).toBe('1003');
    const rowText = await row.textContent();
    for (const shown of ['Casey Support', 'pbx.acme.test', 'wss://pbx.acme.test:8089/ws', 'Configured', 'Registers on demand']) expect(rowText).toContain(shown);
    expect(await row.getByTestId('sip-status').textContent()).toBe('Configured');
    expect(rowText).not.toContain(password);
    expect(await section.getByTestId('sip-configured-count').textContent()).toBe('3 configured');
    expect(await page.content()).not.toContain(password);
    const listed = (await admin.get('/api/v1/sip-credentials')).body.data.find((c: { userId: number }) => c.userId === caseyId);
    expect(listed).toMatchObject({ wsUrl: 'wss://pbx.acme.test:8089/ws', username: '1003', domain: 'pbx.acme.test', displayName: 'Casey (Support)', autoRegister: false, hasPassword: true });
    expect(JSON.stringify(listed)).not.toContain(password);

    // (b) The row holds the password encrypted, with the id of the key that did it.
    const [stored] = await sipRows(caseyId);
    expect(stored).toMatchObject({ sip_ws_url: 'wss://pbx.acme.test:8089/ws', sip_username: '1003', sip_domain: 'pbx.acme.test', display_name: 'Casey (Support)' });
    expect(Number(stored.auto_register)).toBe(0);
    expect(stored.password_ciphertext).not.toBe(password);
    expect(stored.password_ciphertext).not.toContain(password);
    expect(Buffer.from(stored.password_ciphertext, 'base64').toString('latin1')).not.toContain(password);
    expect(stored.password_key_id).toBe(new SecretBox(sys.config.SECRETS_KEYS).currentKeyId);

    // (c) The agent themself gets the password back.
    const own = await casey.get('/api/v1/sip-credentials/me');
    expect(own.status).toBe(200);
    expect(own.body).toMatchObject({ wsUrl: 'wss://pbx.acme.test:8089/ws', username: '1003', password, domain: 'pbx.acme.test', displayName: 'Casey (Support)', autoRegister: false });

    // Editing without typing a password keeps the stored one; the form never shows it.
    await row.getByTestId('sip-edit').click();
    await form.waitFor();
    expect(await form.getByTestId('sip-password').inputValue()).toBe('');
    expect(await form.getByTestId('sip-password').getAttribute('placeholder')).toBe('Stored: leave empty to keep it');
    expect(await form.getByTestId('sip-ws-url').inputValue()).toBe('wss://pbx.acme.test:8089/ws');
    expect(await form.getByTestId('sip-auto-register').isChecked()).toBe(false);
    await form.getByTestId('sip-auto-register').setChecked(true);
    await form.getByTestId('sip-save').click();
    await expect.poll(() => row.textContent()).toContain('Registers automatically');
    expect((await sipRows(caseyId))[0].password_ciphertext).toBe(stored.password_ciphertext);
    expect((await casey.get('/api/v1/sip-credentials/me')).body).toMatchObject({ password, autoRegister: true });

    // Remove, after the confirmation.
    await row.getByTestId('sip-remove').click();
    const confirm = section.getByTestId('sip-remove-panel');
    expect(await confirm.innerText()).toContain('Remove Casey Support’s SIP credentials?');
    await confirm.getByTestId('sip-remove-confirm').click();
    await expect.poll(() => section.getByTestId('sip-notice').innerText()).toBe('Casey Support’s SIP credentials were removed; their softphone unregisters.');
    expect(await row.getAttribute('data-configured')).toBe('false');
    expect(await row.getByTestId('sip-status').textContent()).toBe('Not configured');
    expect(await section.getByTestId('sip-configured-count').textContent()).toBe('2 configured');
    expect(await sipRows(caseyId)).toEqual([]);
    expect((await casey.get('/api/v1/sip-credentials/me')).status).toBe(404);
  });
});

describe('softphone network (STUN/TURN) settings', () => {
  const acmeId = async () => Number((await sql(sys, "select id from tenants where name = 'Acme Support'"))[0].id);
  const storedIce = async () => {
    const [t] = await sql(sys, 'select settings from tenants where id = ?', [await acmeId()]);
    const settings = typeof t.settings === 'string' ? JSON.parse(t.settings) : t.settings;
    return settings?.telephony?.iceServers ?? [];
  };
  /** What each row of the form shows: its URLs, username and credential fields. */
  const shown = async (section: Locator) => {
    const out: { urls: string; username: string; credential: string }[] = [];
    for (const row of await section.getByTestId('ice-server-row').all()) {
      out.push({ urls: await row.getByTestId('ice-urls').inputValue(), username: await row.getByTestId('ice-username').inputValue(), credential: await row.getByTestId('ice-credential').inputValue() });
    }
    return out;
  };
  const fillRow = async (row: Locator, v: { urls: string; username?: string; credential?: string }) => {
    await row.getByTestId('ice-urls').fill(v.urls);
    await row.getByTestId('ice-username').fill(v.username ?? '');
    await row.getByTestId('ice-credential').fill(v.credential ?? '');
  };
  const saved = 'Saved. Softphones use these servers from their next registration.';

  it('an admin adds a STUN and a TURN server (a username and credential with spaces) that agents then receive; bad entries are refused under the row at fault', async () => {
    const agent = (await api.login('agent1@acme.test')).api;
    const agentIce = async () => {
      const res = await agent.get('/api/v1/sip-credentials/me');
      expect(res.status).toBe(200);
      return res.body.iceServers;
    };
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('ice-servers-settings');
    const rows = section.getByTestId('ice-server-row');
    const save = section.getByRole('button', { name: 'Save' });
    const add = section.getByTestId('ice-add');
    await section.getByTestId('ice-servers-empty').waitFor();
    expect(await rows.count()).toBe(0);
    expect(await agentIce()).toEqual([]);

    // Not a stun:/turn:/turns: URL: refused, the server's reason under that row's URLs; nothing stored.
    await add.click();
    await fillRow(rows.nth(0), { urls: 'http://x' });
    await save.click();
    await expect.poll(() => section.getByTestId('ice-servers-error').innerText()).toBe('Not saved. Check the servers marked below.');
    expect(await rows.nth(0).getByTestId('ice-urls-error').innerText()).toBe('must be stun:, turn: or turns: URLs');
    expect(await rows.nth(0).getByTestId('ice-urls').getAttribute('aria-invalid')).toBe('true');
    expect(await section.getByRole('status').count()).toBe(0);
    expect(await storedIce()).toEqual([]);
    expect(await agentIce()).toEqual([]);

    // A good server beside a bad one: the whole list is refused, and only the bad row is marked.
    await fillRow(rows.nth(0), { urls: 'stun:stun.acme.test:3478' });
    await add.click();
    await fillRow(rows.nth(1), { urls: 'http://y' });
    await save.click();
    await expect.poll(() => rows.nth(1).getByTestId('ice-urls-error').count()).toBe(1);
    expect(await rows.nth(0).locator('.field-error').count()).toBe(0);
    expect(await storedIce()).toEqual([]);

    // A TURN server without its credential: WebRTC would refuse it, so the server does (422), under that row.
    await fillRow(rows.nth(1), { urls: 'turn:turn.acme.test:3478', username: 'acme agent' });
    await save.click();
    await expect.poll(() => section.getByTestId('ice-servers-error').innerText()).toBe('A TURN server needs a username and a credential. Check the servers marked below.');
    expect(await rows.nth(1).getByTestId('ice-server-error').innerText()).toBe('turn:turn.acme.test:3478 is a TURN server: it needs a username and a credential');
    expect(await rows.nth(0).locator('.field-error').count()).toBe(0);
    expect(await storedIce()).toEqual([]);

    // A row with a username but no URL is caught before anything is sent.
    await add.click();
    await fillRow(rows.nth(2), { urls: '', username: 'someone' });
    await save.click();
    await expect.poll(() => rows.nth(2).getByTestId('ice-urls-error').innerText()).toBe('is required (e.g. stun:stun.example.com:3478)');
    await rows.nth(2).getByTestId('ice-remove').click();
    expect(await rows.count()).toBe(2);

    // A STUN server and a TURN server reached two ways, with a username and a credential that hold spaces (one line
    // of "urls username credential" could not carry them); a row left blank is no server.
    await fillRow(rows.nth(1), { urls: 'turn:turn.acme.test:3478?transport=udp, turns:turn.acme.test:5349', username: 'acme agent', credential: 'Turn Cred 9' });
    await add.click();
    const expected = [
      { urls: 'stun:stun.acme.test:3478' },
      { urls: ['turn:turn.acme.test:3478?transport=udp', 'turns:turn.acme.test:5349'], username: 'acme agent', credential: 'Turn Cred 9' },
    ];
    const expectedRows = [
      { urls: 'stun:stun.acme.test:3478', username: '', credential: '' },
      { urls: 'turn:turn.acme.test:3478?transport=udp, turns:turn.acme.test:5349', username: 'acme agent', credential: 'Turn Cred 9' },
    ];
    await save.click();
    await expect.poll(() => section.getByRole('status').innerText()).toBe(saved);
    expect(await section.getByRole('alert').count()).toBe(0);
    expect(await section.locator('.field-error').count()).toBe(0);
    expect(await shown(section)).toEqual(expectedRows);
    expect(await storedIce()).toEqual(expected);
    expect((await admin.get('/api/v1/settings')).body.iceServers).toEqual(expected);
    expect(await agentIce()).toEqual(expected);
    // The credential is masked on screen, and the browser is told not to fill the admin's own password into it.
    expect(await rows.nth(1).getByTestId('ice-credential').getAttribute('type')).toBe('password');
    expect(await rows.nth(1).getByTestId('ice-credential').getAttribute('autocomplete')).toBe('new-password');

    // They are what the screen shows after a reload.
    await page.reload();
    await rows.first().waitFor();
    expect(await shown(section)).toEqual(expectedRows);

    // At most five servers: the add button stops there.
    for (let i = 2; i < 5; i++) await add.click();
    expect(await rows.count()).toBe(5);
    expect(await add.isDisabled()).toBe(true);

    // Every row removed: host candidates only again.
    while (await rows.count()) await rows.first().getByTestId('ice-remove').click();
    await save.click();
    await expect.poll(() => section.getByRole('status').count()).toBe(1);
    await section.getByTestId('ice-servers-empty').waitFor();
    expect(await storedIce()).toEqual([]);
    expect(await agentIce()).toEqual([]);
  });

  it('a credential without a username is refused by the server (422), and one stored before is shown as a credential, never as the username', async () => {
    const credential = 'Lone-Cred-7';

    // The API: a credential with no username, or an empty one, is a 422 naming the server (never the credential).
    for (const [i, bad] of [{ urls: 'turn:turn.acme.test:3478', credential }, { urls: ['turn:turn.acme.test:3478', 'turns:turn.acme.test:5349'], username: '', credential }].entries()) {
      const res = await admin.patch('/api/v1/settings', { iceServers: [{ urls: 'stun:stun.acme.test:3478' }, bad] });
      expect(res.status, `case ${i}: ${JSON.stringify(res.body)}`).toBe(422);
      expect(res.body.error).toEqual({
        code: 'ice_username_required',
        message: 'A STUN/TURN server with a credential needs its username.',
        details: [{ path: 'body.iceServers.1.username', message: `${[bad.urls].flat().join(',')} has a credential but no username` }],
      });
      expect(JSON.stringify(res.body)).not.toContain(credential);
    }
    expect(await storedIce()).toEqual([]);
    // A TURN server with its username and credential and a bare STUN server are still accepted.
    const fine = [{ urls: 'stun:stun.acme.test:3478' }, { urls: 'turn:b.acme.test', username: 'u2', credential: 'c2' }];
    const ok = await admin.patch('/api/v1/settings', { iceServers: fine });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.iceServers).toEqual(fine);
    expect((await admin.patch('/api/v1/settings', { iceServers: [] })).status).toBe(200);

    // Settings written before the rule (or outside the API) may still hold one: the screen keeps the credential in
    // its own (masked) field, leaves the username empty and says, on that row, that a username is needed.
    const legacy = [{ urls: 'stun:stun.acme.test:3478' }, { urls: 'turn:turn.acme.test:3478', credential }, { urls: 'turn:ok.acme.test', username: 'agent', credential: 'Ok-Cred' }];
    const [t] = await sql(sys, 'select settings from tenants where id = ?', [await acmeId()]);
    const settings = (typeof t.settings === 'string' ? JSON.parse(t.settings) : t.settings) ?? {};
    await sql(sys, 'update tenants set settings = ? where id = ?', [JSON.stringify({ ...settings, telephony: { ...settings.telephony, iceServers: legacy } }), await acmeId()]);
    expect(await storedIce()).toEqual(legacy);
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('ice-servers-settings');
    const rows = section.getByTestId('ice-server-row');
    await rows.first().waitFor();
    expect(await shown(section)).toEqual([
      { urls: 'stun:stun.acme.test:3478', username: '', credential: '' },
      { urls: 'turn:turn.acme.test:3478', username: '', credential },
      { urls: 'turn:ok.acme.test', username: 'agent', credential: 'Ok-Cred' },
    ]);
    const warnings = section.getByTestId('ice-servers-warning');
    expect(await warnings.count()).toBe(1);
    expect(await rows.nth(1).getByTestId('ice-servers-warning').innerText()).toBe(
      'A credential is stored for this server without a username, which WebRTC cannot use: type its username, then save.',
    );
    expect(await section.innerText()).not.toContain(credential);

    // Saved as it is: the server's refusal lands under that row's username.
    await section.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => rows.nth(1).getByTestId('ice-username-error').innerText()).toBe('turn:turn.acme.test:3478 has a credential but no username');
    expect(await section.getByTestId('ice-servers-error').innerText()).toBe('A STUN/TURN server with a credential needs its username. Check the servers marked below.');
    expect(await storedIce()).toEqual(legacy);

    // The admin types the missing username: stored as a complete server, the warning goes.
    await rows.nth(1).getByTestId('ice-username').fill('acme turn');
    await section.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => section.getByRole('status').innerText()).toBe(saved);
    expect(await warnings.count()).toBe(0);
    expect(await storedIce()).toEqual([legacy[0], { urls: 'turn:turn.acme.test:3478', username: 'acme turn', credential }, legacy[2]]);
    await page.reload();
    await rows.first().waitFor();
    expect((await shown(section))[1]).toEqual({ urls: 'turn:turn.acme.test:3478', username: 'acme turn', credential });
    expect(await section.getByTestId('ice-servers-warning').count()).toBe(0);
    expect((await admin.patch('/api/v1/settings', { iceServers: [] })).status).toBe(200);
  });
});

describe('call dispositions settings', () => {
  interface Disposition { id: number; name: string; sortOrder: number; isDefault: boolean; requiresNote: boolean; isActive: boolean }
  const all = async (): Promise<Disposition[]> => (await admin.get('/api/v1/call-dispositions?all=true')).body.data;
  const byName = async (name: string) => (await all()).find((d) => d.name === name);
  const defaults = async () => (await all()).filter((d) => d.isDefault).map((d) => d.name);

  it('an admin adds one that needs a note, makes it the default, renames, retires, restores and deletes it; a used one is retired instead', async () => {
    const agent = (await api.login('agent1@acme.test')).api;
    const offered = async () => (await agent.get('/api/v1/call-dispositions')).body.data.map((d: Disposition) => d.name);
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('dispositions-settings');
    const shown = () => section.locator('[data-disposition-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-disposition-name')));
    const named = (name: string) => section.locator(`[data-disposition-name="${name}"]`);
    await named('Answered').waitFor();
    const error = section.getByTestId('dispositions-error');
    const notice = section.getByTestId('dispositions-notice');
    expect(await defaults()).toEqual(['Answered']);

    // Add, needing a note: last in the list, not the default.
    await section.getByTestId('disposition-new-name').fill('Callback Scheduled');
    await section.getByTestId('disposition-new-requires-note').check();
    await section.getByTestId('disposition-add').click();
    await named('Callback Scheduled').waitFor();
    const created = (await byName('Callback Scheduled'))!;
    expect(created).toMatchObject({ requiresNote: true, isDefault: false, isActive: true });
    expect(created.sortOrder).toBe(Math.max(...(await all()).map((d) => d.sortOrder)));
    const row = section.getByTestId(`disposition-row-${created.id}`);
    expect((await shown()).at(-1)).toBe('Callback Scheduled');
    expect(await row.getByTestId('disposition-requires-note').isChecked()).toBe(true);
    expect(await row.getByTestId('disposition-default-tag').count()).toBe(0);
    expect(await section.getByTestId('disposition-new-name').inputValue()).toBe('');
    expect(await section.getByTestId('disposition-new-requires-note').isChecked()).toBe(false);
    expect(await offered()).toContain('Callback Scheduled');

    // Making it the default while the server cannot be reached: the radios keep showing the server's default.
    const patch = '**/api/v1/call-dispositions/*';
    await page.route(patch, (route) => (route.request().method() === 'PATCH' ? route.abort('connectionrefused') : route.continue()));
    await row.getByTestId('disposition-default').click();
    await expect.poll(() => error.innerText()).toBe('Cannot reach the server. Check your connection and try again.');
    await page.unroute(patch);
    expect(await named('Answered').getByTestId('disposition-default').isChecked()).toBe(true);
    expect(await row.getByTestId('disposition-default').isChecked()).toBe(false);
    expect(await named('Answered').getByTestId('disposition-default-tag').count()).toBe(1);
    expect(await defaults()).toEqual(['Answered']);

    // The default: the tag moves to it; it can then be neither retired nor deleted.
    // (The radio stays as the server has it until the server agrees, so it is clicked, not `check()`ed.)
    await row.getByTestId('disposition-default').click();
    await expect.poll(() => row.getByTestId('disposition-default-tag').count()).toBe(1);
    expect(await named('Answered').getByTestId('disposition-default-tag').count()).toBe(0);
    expect(await section.getByTestId('disposition-default-tag').count()).toBe(1);
    expect(await row.getByTestId('disposition-default').isChecked()).toBe(true);
    expect(await named('Answered').getByTestId('disposition-default').isChecked()).toBe(false);
    expect(await defaults()).toEqual(['Callback Scheduled']);
    await expect.poll(() => row.getByTestId('disposition-retire').isDisabled()).toBe(true);
    expect(await row.getByTestId('disposition-delete').isDisabled()).toBe(true);

    // Rename: to a name another one has is refused with the server's message; then to a free one.
    await row.getByTestId('disposition-rename').click();
    await row.getByTestId('disposition-edit-name').fill('Busy');
    await row.getByTestId('disposition-save').click();
    await expect.poll(() => error.innerText()).toBe('A disposition with this name already exists.');
    expect((await byName('Callback Scheduled'))!.id).toBe(created.id);
    await row.getByTestId('disposition-edit-name').fill('Callback Booked');
    await row.getByTestId('disposition-save').click();
    await expect.poll(() => row.getByTestId('disposition-name').count()).toBe(1);
    expect(await row.getByTestId('disposition-name').innerText()).toBe('Callback Booked');
    expect(await row.getAttribute('data-disposition-name')).toBe('Callback Booked');
    expect(await error.count()).toBe(0);
    expect(await byName('Callback Booked')).toMatchObject({ id: created.id, isDefault: true, requiresNote: true });
    expect(await byName('Callback Scheduled')).toBeUndefined();

    // No longer needing a note.
    await row.getByTestId('disposition-requires-note').click();
    await expect.poll(async () => (await byName('Callback Booked'))!.requiresNote).toBe(false);
    await expect.poll(() => row.getByTestId('disposition-requires-note').isChecked()).toBe(false);

    // Answered the default again; then the new one can be retired: agents no longer get it.
    await named('Answered').getByTestId('disposition-default').click();
    await expect.poll(() => named('Answered').getByTestId('disposition-default-tag').count()).toBe(1);
    expect(await row.getByTestId('disposition-default-tag').count()).toBe(0);
    expect(await defaults()).toEqual(['Answered']);
    await expect.poll(() => row.getByTestId('disposition-retire').isEnabled()).toBe(true);
    await row.getByTestId('disposition-retire').click();
    await expect.poll(() => row.getAttribute('data-active')).toBe('false');
    expect(await row.getByTestId('disposition-retired-tag').textContent()).toBe('Retired');
    expect(await row.getByTestId('disposition-default').isDisabled()).toBe(true);
    expect(await byName('Callback Booked')).toMatchObject({ isActive: false, isDefault: false });
    expect(await offered()).not.toContain('Callback Booked');

    // Restored, then deleted (no call carries it): gone from the screen and the server.
    await row.getByTestId('disposition-restore').click();
    await expect.poll(() => row.getAttribute('data-active')).toBe('true');
    expect(await byName('Callback Booked')).toMatchObject({ isActive: true });
    expect(await offered()).toContain('Callback Booked');
    await expect.poll(() => row.getByTestId('disposition-delete').isEnabled()).toBe(true);
    await row.getByTestId('disposition-delete').click();
    expect(await row.getByTestId('disposition-delete-panel').innerText()).toContain('Delete “Callback Booked”?');
    await row.getByTestId('disposition-delete-confirm').click();
    await expect.poll(() => notice.innerText()).toBe('“Callback Booked” was deleted.');
    expect(await row.count()).toBe(0);
    expect(await shown()).not.toContain('Callback Booked');
    expect((await all()).map((d) => d.id)).not.toContain(created.id);
    expect(await offered()).not.toContain('Callback Booked');

    // "No Answer" is on past calls: deleting it retires it instead, and says so.
    const noAnswer = named('No Answer');
    await noAnswer.getByTestId('disposition-delete').click();
    await noAnswer.getByTestId('disposition-delete-confirm').click();
    await expect.poll(() => notice.innerText()).toBe('“No Answer” is on past calls, so it was retired instead of deleted: agents no longer see it, and past calls keep it.');
    expect(await noAnswer.getAttribute('data-active')).toBe('false');
    expect(await noAnswer.getByTestId('disposition-retired-tag').count()).toBe(1);
    expect(await byName('No Answer')).toMatchObject({ isActive: false });
    expect(await offered()).not.toContain('No Answer');
    expect(await error.count()).toBe(0);
  });
});

describe('workspace settings', () => {
  it('an admin sets the wrap-up timeout and the time zone; a value the server refuses shows under its field and changes nothing; a reload shows what is stored', async () => {
    const original = (await admin.get('/api/v1/settings')).body;
    const [{ mark }] = await sql(sys, 'select coalesce(max(id), 0) as mark from audit_logs');
    const page = await signIn('admin@acme.test', '/settings');
    const section = page.getByTestId('workspace-settings');
    const timeout = section.getByTestId('workspace-wrapup-timeout');
    const timeoutError = section.locator('label', { has: page.getByTestId('workspace-wrapup-timeout') }).locator('.field-error');
    await section.getByTestId('workspace-form').waitFor();
    expect(await section.getByTestId('workspace-name').inputValue()).toBe('Acme Support');
    expect(await section.getByTestId('workspace-timezone').inputValue()).toBe(original.timezone);
    expect(await section.getByTestId('workspace-country').inputValue()).toBe(original.defaultCountry);
    expect(Number(await timeout.inputValue())).toBe(original.wrapupTimeoutSeconds);

    try {
      await timeout.fill('45');
      await section.getByTestId('workspace-timezone').selectOption('Europe/Paris');
      await section.getByTestId('workspace-save').click();
      await expect.poll(() => section.getByTestId('workspace-notice').textContent()).toBe('Saved.');
      expect((await admin.get('/api/v1/settings')).body).toMatchObject({ wrapupTimeoutSeconds: 45, timezone: 'Europe/Paris', name: 'Acme Support' });

      // More than an hour: the server's 400 names the field, and nothing changes.
      await timeout.fill('5000');
      await section.getByTestId('workspace-save').click();
      await expect.poll(() => section.getByTestId('workspace-error').textContent()).toContain('Check the fields');
      expect(await timeoutError.textContent()).toMatch(/3600/);
      // An empty timeout is caught on the screen.
      await timeout.fill('');
      await section.getByTestId('workspace-save').click();
      expect(await timeoutError.textContent()).toContain('is required');
      expect((await admin.get('/api/v1/settings')).body).toMatchObject({ wrapupTimeoutSeconds: 45, timezone: 'Europe/Paris' });

      await page.reload();
      await section.getByTestId('workspace-form').waitFor();
      expect(await timeout.inputValue()).toBe('45');
      expect(await section.getByTestId('workspace-timezone').inputValue()).toBe('Europe/Paris');
      // One audit row for the one save that changed something, with exactly what it changed.
      const audits = await sql(sys, "select changes from audit_logs where action = 'settings.updated' and id > ? order by id", [mark]);
      expect(audits).toHaveLength(1);
      expect(typeof audits[0].changes === 'string' ? JSON.parse(audits[0].changes) : audits[0].changes).toEqual({
        timezone: { from: original.timezone, to: 'Europe/Paris' }, wrapupTimeoutSeconds: { from: original.wrapupTimeoutSeconds, to: 45 },
      });
    } finally {
      await admin.patch('/api/v1/settings', { wrapupTimeoutSeconds: original.wrapupTimeoutSeconds, timezone: original.timezone });
    }
  });
});
