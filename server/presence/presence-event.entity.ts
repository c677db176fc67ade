import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { PresenceReason } from './presence-reason.entity.ts';

import { PRESENCE_STATES } from '../../shared/realtime.ts';
export { PRESENCE_STATES, type PresenceState } from '../../shared/realtime.ts';

/**
 * One interval of a user's aggregated presence (seed 002 presence_events, adapted): a row
 * is opened at `startedAt` and closed (endedAt, durationSeconds) when the next state starts,
 * so supervisors can report time in each state. No updatedAt: only the close is ever written.
 */
export const PresenceEvent = defineEntity({
  name: 'PresenceEvent',
  tableName: 'presence_events',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    state: p.enum(PRESENCE_STATES),
    reason: () => p.manyToOne(PresenceReason).nullable().deleteRule('set null'),
    startedAt: p.datetime(),
    endedAt: p.datetime().nullable(),
    durationSeconds: p.integer().nullable(),
  },
  indexes: [
    { name: 'presence_events_tenant_user_started_idx', properties: ['tenant', 'user', 'startedAt'] },
    { name: 'presence_events_tenant_started_idx', properties: ['tenant', 'startedAt'] },
    // A user's open row (ended_at null), found on every change of state without reading their history.
    { name: 'presence_events_tenant_user_open_idx', properties: ['tenant', 'user', 'endedAt'] },
  ],
});
export type IPresenceEvent = InferEntity<typeof PresenceEvent>;
