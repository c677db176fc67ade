import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { Call } from './call.entity.ts';

export const PBX_EVENTS = ['call.ringing', 'call.answered', 'call.ended', 'call.recording_ready'] as const;
export type PbxEventName = (typeof PBX_EVENTS)[number];

/**
 * Every PBX webhook event as received (immutable). The unique (tenant, pbxCallId, event)
 * makes the webhook idempotent: a retried event is stored once.
 */
export const PbxEvent = defineEntity({
  name: 'PbxEvent',
  tableName: 'pbx_events',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    // Compared exactly, as the PBX issues it (and as calls.pbx_call_id is).
    pbxCallId: p.string().length(255).collation('utf8mb4_bin'),
    event: p.enum(PBX_EVENTS),
    call: () => p.manyToOne(Call).nullable().deleteRule('cascade'),
    payload: p.json<Record<string, unknown>>(),
    /** The event's own `timestamp`. */
    occurredAt: p.datetime(),
    receivedAt: p.datetime().onCreate(() => new Date()),
  },
  uniques: [{ name: 'pbx_events_tenant_call_event_unique', properties: ['tenant', 'pbxCallId', 'event'] }],
});
export type IPbxEvent = InferEntity<typeof PbxEvent>;
