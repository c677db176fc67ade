import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/**
 * Who is looking at what right now (seed 002 presence_tracking): one row per socket viewing
 * an entity, e.g. ('lead', 42) or ('conversation', 7).
 */
export const PresenceTracking = defineEntity({
  name: 'PresenceTracking',
  tableName: 'presence_tracking',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    entityType: p.string().length(32),
    entityId: p.bigint('number').unsigned(),
    socketId: p.string().length(64),
    nodeId: p.string().length(64),
    startedAt: p.datetime(),
    lastSeenAt: p.datetime(),
  },
  uniques: [{ name: 'presence_tracking_socket_entity_unique', properties: ['tenant', 'socketId', 'entityType', 'entityId'] }],
  indexes: [
    { name: 'presence_tracking_entity_idx', properties: ['tenant', 'entityType', 'entityId'] },
    // Cross-tenant on purpose: when a node dies, its viewers are removed by node id.
    { name: 'presence_tracking_node_idx', properties: ['nodeId'] },
  ],
});
export type IPresenceTracking = InferEntity<typeof PresenceTracking>;
