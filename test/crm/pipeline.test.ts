import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';

let sys: TestSystem;
let api: Api;
let agent: Api;
let statuses: Record<string, any>;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('pipeline'));
  agent = (await api.login('agent1@acme.test')).api;
  const res = await agent.get('/api/v1/lead-statuses');
  statuses = Object.fromEntries(res.body.data.map((s: any) => [s.name, s]));
});
afterAll(async () => {
  await sys?.stop();
});

describe('board and moves', () => {
  it('the board gives every column in order with its count and first cards', async () => {
    const res = await agent.get('/api/v1/leads/board?perColumn=3');
    expect(res.status).toBe(200);
    expect(res.body.columns.map((c: any) => c.status.name)).toEqual(['New', 'Contacted', 'Qualified', 'Proposal', 'Negotiation', 'Won', 'Lost']);
    const [acme] = await sql(sys, "select id from tenants where name = 'Acme Support'");
    const counts = await sql(sys, 'select lead_status_id s, count(*) n from leads where tenant_id = ? group by lead_status_id', [acme.id]);
    for (const c of res.body.columns) {
      expect(c.count).toBe(Number(counts.find((r) => Number(r.s) === c.status.id)?.n ?? 0));
      expect(c.cards.length).toBe(Math.min(3, c.count));
      for (const card of c.cards) expect(card).toMatchObject({ statusId: c.status.id, statusName: c.status.name, statusColor: c.status.color });
    }
    const big = res.body.columns.find((c: any) => c.count > 3);
    const next = await agent.get(`/api/v1/leads/board/${big.status.id}?cursor=${big.nextCursor}&limit=3`);
    expect(next.status).toBe(200);
    expect(next.body.data[0].id).toBeLessThan(big.cards[2].id);
  });

  it('a move into a status that requires a note needs one (422); with it, the move and both activities are written', async () => {
    const created = await agent.post('/api/v1/leads', { name: 'Noor Move', phone: '(202) 555-0143', companyName: 'Initech' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ statusName: 'New', phone: '+12025550143', version: 1 });
    const id = created.body.id;
    const missing = await agent.post(`/api/v1/leads/${id}/move`, { statusId: statuses.Negotiation.id, version: 1 });
    expect(missing.status).toBe(422);
    expect(missing.body.error.details).toEqual([expect.objectContaining({ path: 'body.note' })]);
    const ok = await agent.post(`/api/v1/leads/${id}/move`, { statusId: statuses.Negotiation.id, version: 1, note: 'Wants 20 seats' });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ statusId: statuses.Negotiation.id, version: 2 });
    const timeline = await agent.get(`/api/v1/leads/${id}/activities`);
    expect(timeline.body.data.map((a: any) => a.type)).toEqual(['note', 'status_change']);
    expect(timeline.body.data[1].payload).toMatchObject({ from_status: 'New', to_status: 'Negotiation' });
    expect(timeline.body.data[0]).toMatchObject({ userName: 'Alex Agent', payload: { note: 'Wants 20 seats' } });
  });

  it('two agents moving the same lead at once: the later move on a stale version gets 409 with the current lead', async () => {
    const other = (await api.login('agent2@acme.test')).api;
    const { body: lead } = await agent.post('/api/v1/leads', { name: 'Race Lead' });
    const [a, b] = await Promise.all([
      agent.post(`/api/v1/leads/${lead.id}/move`, { statusId: statuses.Contacted.id, version: lead.version }),
      other.post(`/api/v1/leads/${lead.id}/move`, { statusId: statuses.Qualified.id, version: lead.version }),
    ]);
    const statusesSeen = [a.status, b.status].sort();
    expect(statusesSeen).toEqual([200, 409]);
    const loser = a.status === 409 ? a : b;
    const winner = a.status === 200 ? a : b;
    expect(loser.body.error.details.current).toMatchObject({ id: lead.id, version: 2, statusId: winner.body.statusId });
    const [row] = await sql(sys, 'select count(*) n from lead_activities where lead_id = ? and type = ?', [lead.id, 'status_change']);
    expect(Number(row.n)).toBe(1);
  });

  it('a follow-up status needs a future date, schedules a reminder job, and a closed status cancels it', async () => {
    const { body: lead } = await agent.post('/api/v1/leads', { name: 'Fup Lead' });
    const past = await agent.post(`/api/v1/leads/${lead.id}/move`, { statusId: statuses.Proposal.id, version: 1, nextFollowupAt: new Date(Date.now() - 60_000).toISOString() });
    expect(past.status).toBe(422);
    const due = new Date(Date.now() + 3_600_000);
    const moved = await agent.post(`/api/v1/leads/${lead.id}/move`, { statusId: statuses.Proposal.id, version: 1, nextFollowupAt: due.toISOString() });
    expect(moved.status).toBe(200);
    const tenantId = Number((await sql(sys, "select id from tenants where name='Acme Support'"))[0].id);
    const job = await sys.services.followups.jobFor(tenantId, lead.id, new Date(moved.body.nextFollowupAt));
    expect(job).toBeTruthy();
    expect(await job!.isDelayed()).toBe(true);
    const won = await agent.post(`/api/v1/leads/${lead.id}/move`, { statusId: statuses.Won.id, version: 2 });
    expect(won.status).toBe(200);
    expect(won.body.nextFollowupAt).toBeNull();
    expect(await sys.services.followups.jobFor(tenantId, lead.id, new Date(moved.body.nextFollowupAt))).toBeUndefined();
  });

  it('an invalid phone is a 422 that says so', async () => {
    const res = await agent.post('/api/v1/leads', { name: 'Bad Phone', phone: '12' + 'x'.repeat(5) });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('invalid_phone');
  });
});
