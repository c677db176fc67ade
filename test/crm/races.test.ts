import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';
import { processFollowup } from '../../server/crm/followups.ts';

let sys: TestSystem;
let api: Api;
let admin: Api;

beforeAll(async () => {
  ({ sys, api } = await startSeeded('crm_races'));
  admin = (await api.login('admin@acme.test')).api;
});
afterAll(async () => {
  await sys?.stop();
});

describe('races settled by the database', () => {
  it('concurrent creates of one status name: one 201, the others 409, never a 500', async () => {
    const results = await Promise.all([1, 2, 3, 4].map(() => admin.post('/api/v1/lead-statuses', { name: 'Racing stage' })));
    const codes = results.map((r) => r.status).sort();
    expect(codes.filter((c) => c === 201)).toHaveLength(1);
    expect(codes.every((c) => c === 201 || c === 409)).toBe(true);
    const [row] = await sql(sys, "select count(*) n from lead_statuses where name = 'Racing stage'");
    expect(Number(row.n)).toBe(1);
  });

  it('one follow-up processed three times at once notifies exactly once', async () => {
    const agent = await api.login('agent1@acme.test');
    const due = new Date(Math.floor((Date.now() + 3_600_000) / 1000) * 1000).toISOString();
    const { body: lead } = await agent.api.post('/api/v1/leads', { name: 'Race reminder', assignedToId: agent.user.id, nextFollowupAt: due });
    const job = { data: { tenantId: agent.user.tenantId, leadId: lead.id, dueAt: lead.nextFollowupAt } };
    const outcomes = await Promise.all([1, 2, 3].map(() => processFollowup(sys.orm, sys.publisher, job)));
    expect(outcomes.filter((o) => o === 'fired')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'already')).toHaveLength(2);
    const [n] = await sql(sys, "select count(*) n from notifications where type = 'followup.due' and json_value(data, '$.leadId') = ?", [lead.id]);
    expect(Number(n.n)).toBe(1);
    const [a] = await sql(sys, "select count(*) n from lead_activities where lead_id = ? and type = 'followup' and json_value(payload, '$.due_at') is not null", [lead.id]);
    expect(Number(a.n)).toBe(1);
  });
});
