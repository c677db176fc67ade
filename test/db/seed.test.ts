import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/system.ts';
import { seedDemo, DEMO_PASSWORD } from '../../server/db/seed.ts';
import { SecretBox, sipPasswordAad } from '../../server/security/secret-box.ts';
import { verifyPassword } from '../../server/auth/passwords.ts';
import { loadConfig } from '../../server/config.ts';

/** The demo data of DESIGN §3 on a fresh migrated database. */

let db: Awaited<ReturnType<typeof createTestDatabase>>;
const secrets = new SecretBox(loadConfig({}).SECRETS_KEYS);
const q = <T = any>(query: string, params: unknown[] = []) => db.orm.em.getConnection().execute(query, params) as Promise<T[]>;

async function rowCounts(): Promise<Record<string, number>> {
  const tables = (await q<{ t: string }>("select TABLE_NAME t from information_schema.TABLES where TABLE_SCHEMA = database() and TABLE_TYPE = 'BASE TABLE' order by TABLE_NAME")).map((r) => r.t);
  const out: Record<string, number> = {};
  for (const t of tables) out[t] = Number((await q<{ n: number }>(`select count(*) n from \`${t}\``))[0].n);
  return out;
}

async function tenantId(name: string): Promise<number> {
  const [row] = await q<{ id: number }>('select id from tenants where name = ?', [name]);
  expect(row, `tenant ${name}`).toBeDefined();
  return Number(row.id);
}

beforeAll(async () => {
  db = await createTestDatabase('seed');
  await seedDemo(db.orm, secrets);
});
afterAll(async () => {
  await db?.drop();
});

describe('seedDemo', () => {
  it('creates the two demo tenants, active', async () => {
    const rows = await q<{ name: string; status: string }>('select name, status from tenants order by id');
    expect(rows).toEqual([
      { name: 'Acme Support', status: 'active' },
      { name: 'Globex Sales', status: 'active' },
    ]);
  });

  it('creates the users of DESIGN §3 with their roles, active', async () => {
    const acme = await tenantId('Acme Support');
    const globex = await tenantId('Globex Sales');
    const users = await q<{ email: string; role: string; tenant_id: number; is_active: number }>('select email, role, tenant_id, is_active from users');
    const acmeUsers = Object.fromEntries(users.filter((u) => Number(u.tenant_id) === acme).map((u) => [u.email, u.role]));
    expect(acmeUsers).toEqual({
      'admin@acme.test': 'tenant_admin',
      'supervisor@acme.test': 'supervisor',
      'agent1@acme.test': 'sales_agent',
      'agent2@acme.test': 'sales_agent',
      'support@acme.test': 'support_agent',
      'viewer@acme.test': 'read_only',
    });
    const globexAdmin = users.find((u) => u.email === 'admin@globex.test');
    expect(globexAdmin).toMatchObject({ role: 'tenant_admin' });
    expect(Number(globexAdmin!.tenant_id)).toBe(globex);
    expect(users.filter((u) => !Number(u.is_active)).map((u) => u.email)).toEqual([]);
  });

  it('lets every demo user sign in with the demo password (argon2id hashes)', async () => {
    const users = await q<{ email: string; password: string }>('select email, password from users');
    expect(users.length).toBeGreaterThanOrEqual(7);
    for (const u of users) {
      expect(u.password, u.email).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(u.password, DEMO_PASSWORD), u.email).toBe(true);
      expect(await verifyPassword(u.password, 'not-the-password'), u.email).toBe(false);
    }
  });

  it('gives agent1 and agent2 the SIP extensions 1001 and 1002, with the password encrypted at rest', async () => {
    const rows = await q<{ email: string; sip_username: string; password_ciphertext: string; password_key_id: string; tenant_id: number; user_id: number }>(
      `select u.email, c.sip_username, c.password_ciphertext, c.password_key_id, c.tenant_id, c.user_id
         from agent_sip_credentials c join users u on u.id = c.user_id
        where u.email in ('agent1@acme.test', 'agent2@acme.test') order by u.email`,
    );
    expect(rows.map((r) => [r.email, r.sip_username])).toEqual([
      ['agent1@acme.test', '1001'],
      ['agent2@acme.test', '1002'],
    ]);
    for (const r of rows) {
      const plain = secrets.decrypt(r.password_ciphertext, r.password_key_id, sipPasswordAad(Number(r.tenant_id), Number(r.user_id)));
      expect(plain.length).toBeGreaterThan(0);
      // Nowhere in the row in clear.
      expect(JSON.stringify(r)).not.toContain(plain);
      const [full] = await q('select * from agent_sip_credentials where user_id = ?', [r.user_id]);
      expect(JSON.stringify(full)).not.toContain(plain);
    }
  });

  it('creates seed 003\'s seven lead statuses with exactly one default per tenant', async () => {
    for (const name of ['Acme Support', 'Globex Sales']) {
      const id = await tenantId(name);
      const rows = await q<{ name: string; is_default: number; is_won: number; is_lost: number }>('select name, is_default, is_won, is_lost from lead_statuses where tenant_id = ? order by sort_order', [id]);
      expect(rows.map((r) => r.name)).toEqual(['New', 'Contacted', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
      expect(rows.filter((r) => Number(r.is_default)).map((r) => r.name)).toEqual(['New']);
      expect(rows.filter((r) => Number(r.is_won) && Number(r.is_lost))).toEqual([]);
    }
  });

  it('creates seed 003\'s six dispositions; Follow-up Required needs a note', async () => {
    for (const name of ['Acme Support', 'Globex Sales']) {
      const id = await tenantId(name);
      const rows = await q<{ name: string; requires_note: number }>('select name, requires_note from call_dispositions where tenant_id = ? order by sort_order', [id]);
      expect(rows.map((r) => r.name)).toEqual(['Answered', 'No Answer', 'Voicemail', 'Busy', 'Wrong Number', 'Follow-up Required']);
      expect(rows.filter((r) => Number(r.requires_note)).map((r) => r.name)).toEqual(['Follow-up Required']);
    }
  });

  it('creates a living console: contacts, leads and calls in both tenants, all consistent within their tenant', async () => {
    const acme = await tenantId('Acme Support');
    const globex = await tenantId('Globex Sales');
    const count = async (table: string, tid: number) => Number((await q<{ n: number }>(`select count(*) n from \`${table}\` where tenant_id = ?`, [tid]))[0].n);
    expect(await count('contacts', acme)).toBeGreaterThanOrEqual(50);
    expect(await count('leads', acme)).toBeGreaterThanOrEqual(30);
    expect(await count('calls', acme)).toBeGreaterThanOrEqual(20);
    expect(await count('lead_activities', acme)).toBeGreaterThanOrEqual(20);
    for (const t of ['contacts', 'leads', 'calls']) expect(await count(t, globex), `${t} in Globex`).toBeGreaterThan(0);
    // Sanity upper bound: a demo, not a load test.
    expect(await count('contacts', acme)).toBeLessThan(10_000);

    // No row points at another tenant's row.
    const crossTenant = await q<{ what: string; n: number }>(`
      select 'lead status' what, count(*) n from leads l join lead_statuses s on s.id = l.lead_status_id where s.tenant_id <> l.tenant_id
      union all select 'lead assignee', count(*) from leads l join users u on u.id = l.assigned_to_user_id where u.tenant_id <> l.tenant_id
      union all select 'call agent', count(*) from calls c join users u on u.id = c.user_id where u.tenant_id <> c.tenant_id
      union all select 'call disposition', count(*) from calls c join call_dispositions d on d.id = c.disposition_id where d.tenant_id <> c.tenant_id
      union all select 'activity lead', count(*) from lead_activities a join leads l on l.id = a.lead_id where l.tenant_id <> a.tenant_id`);
    expect(crossTenant.filter((r) => Number(r.n) > 0)).toEqual([]);

    // Closed calls carry a disposition (a call cannot be closed without one).
    const [undisposed] = await q<{ n: number }>("select count(*) n from calls where status = 'closed' and disposition_id is null");
    expect(Number(undisposed.n)).toBe(0);
  });

  it('gives every tenant the default permissions of every role', async () => {
    const rows = await q<{ tenant_id: number; role: string; n: number }>('select tenant_id, role, count(*) n from permissions group by tenant_id, role');
    expect(rows).toHaveLength(2 * 5);
  });

  it('changes nothing when run a second time', async () => {
    const before = await rowCounts();
    expect(Object.values(before).reduce((a, b) => a + b, 0)).toBeGreaterThan(100);
    await seedDemo(db.orm, secrets);
    expect(await rowCounts()).toEqual(before);
  });
});
