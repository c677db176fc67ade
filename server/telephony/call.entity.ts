import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';
import { CallDisposition } from './call-disposition.entity.ts';

export const CALL_DIRECTIONS = ['inbound', 'outbound'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];
/** ringing → in_progress → ended (PBX / console) → closed (agent wrap-up with a disposition). */
export const CALL_STATUSES = ['ringing', 'in_progress', 'ended', 'closed'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/**
 * One phone call (seed 003 calls). A call placed from the console (`consoleCallId`, and its
 * SIP Call-ID `sipCallId`) and the PBX's events about it (`pbxCallId`) end up in this one row.
 * `user` is nullable: a PBX event for an unknown extension creates an unassigned call.
 * `relatedType`/`relatedId` is the seed's polymorphic link (e.g. 'lead', 123).
 */
export const Call = defineEntity({
  name: 'Call',
  tableName: 'calls',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).nullable().deleteRule('set null'),
    relatedType: p.string().nullable(),
    relatedId: p.bigint('number').unsigned().nullable(),
    direction: p.enum(CALL_DIRECTIONS),
    fromNumber: p.string().length(64),
    toNumber: p.string().length(64),
    /** The agent's SIP username as the PBX reported it. */
    extension: p.string().length(64).nullable(),
    status: p.enum(CALL_STATUSES).default('ringing'),
    startedAt: p.datetime(),
    answeredAt: p.datetime().nullable(),
    endedAt: p.datetime().nullable(),
    durationSeconds: p.integer().nullable(),
    // Ids compare as the systems that issue them do: exactly (a SIP Call-ID is case-sensitive, RFC 3261 §20.8).
    pbxCallId: p.string().length(255).nullable().collation('utf8mb4_bin'),
    sipCallId: p.string().length(255).nullable().collation('utf8mb4_bin'),
    consoleCallId: p.string().length(64).nullable().collation('utf8mb4_bin'),
    recordingUrl: p.string().length(1024).nullable(),
    disposition: () => p.manyToOne(CallDisposition).nullable().deleteRule('set null'),
    wrapupNotes: p.text().nullable(),
    closedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [
    { name: 'calls_tenant_pbx_call_unique', properties: ['tenant', 'pbxCallId'] },
    { name: 'calls_tenant_console_call_unique', properties: ['tenant', 'consoleCallId'] },
  ],
  indexes: [
    { name: 'calls_tenant_sip_call_idx', properties: ['tenant', 'sipCallId'] },
    { name: 'calls_tenant_user_started_idx', properties: ['tenant', 'user', 'startedAt'] },
    { name: 'calls_tenant_started_idx', properties: ['tenant', 'startedAt'] },
    { name: 'calls_tenant_status_idx', properties: ['tenant', 'status'] },
    { name: 'calls_tenant_related_idx', properties: ['tenant', 'relatedType', 'relatedId'] },
  ],
});
export type ICall = InferEntity<typeof Call>;
