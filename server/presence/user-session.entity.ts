import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/**
 * One live console connection (a Socket.IO socket, i.e. a browser tab) of a user on one
 * node (seed 002 user_sessions, adapted). A user is online while any session of theirs
 * has no `disconnectedAt`.
 */
export const UserSession = defineEntity({
  name: 'UserSession',
  tableName: 'user_sessions',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    socketId: p.string().length(64),
    nodeId: p.string().length(64),
    ipAddress: p.string().length(45).nullable(),
    userAgent: p.string().length(512).nullable(),
    connectedAt: p.datetime(),
    lastActiveAt: p.datetime(),
    disconnectedAt: p.datetime().nullable(),
  },
  uniques: [{ name: 'user_sessions_tenant_socket_unique', properties: ['tenant', 'socketId'] }],
  indexes: [
    { name: 'user_sessions_tenant_user_idx', properties: ['tenant', 'user', 'disconnectedAt'] },
    // Cross-tenant on purpose: when a node dies, its sessions are closed by node id.
    { name: 'user_sessions_node_idx', properties: ['nodeId', 'disconnectedAt'] },
  ],
});
export type IUserSession = InferEntity<typeof UserSession>;
