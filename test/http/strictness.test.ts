import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSeeded, sql } from '../helpers/seeded.ts';
import type { TestSystem } from '../helpers/system.ts';
import type { Api } from '../helpers/api.ts';

let sys: TestSystem;
let api: Api;
beforeAll(async () => {
  ({ sys, api } = await startSeeded('strict'));
});
afterAll(async () => {
  await sys?.stop();
});

describe('strict inputs', () => {
  it('a route without query parameters refuses them, naming each, and changes nothing', async () => {
    const admin = await api.login('admin@acme.test');
    const created = await admin.api.post('/api/v1/api-keys', { name: 'pbx', scopes: ['pbx'] });
    const res = await admin.api.delete(`/api/v1/api-keys/${created.body.id}?force=1`);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([expect.objectContaining({ path: 'query.force' })]);
    const [row] = await sql(sys, 'select revoked_at from api_keys where id = ?', [created.body.id]);
    expect(row.revoked_at).toBeNull();
  });

  it('database sessions run in UTC, so NOW() agrees with the application clock', async () => {
    const [row] = await sql(sys, 'select @@session.time_zone tz, timestampdiff(second, now(), utc_timestamp()) d');
    expect(row.tz).toBe('+00:00');
    expect(Number(row.d)).toBe(0);
  });
});
