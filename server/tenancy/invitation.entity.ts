import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from './tenant.entity.ts';
import { User } from './user.entity.ts';
import { ROLES } from '../../shared/roles.ts';

/**
 * An invitation to join a tenant (seed 001 team_invites / seed 000 workspace_invitations).
 * Only the SHA-256 hex of the emailed token is stored; the token itself is shown once.
 * Pending = not accepted, not revoked and not expired (no status column to drift out of sync).
 */
export const Invitation = defineEntity({
  name: 'Invitation',
  tableName: 'invitations',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    email: p.string().length(255),
    role: p.enum(ROLES),
    // Globally unique: the accept link is resolved by hash before the tenant is known.
    tokenHash: p.string().length(64).unique('invitations_token_hash_unique').hidden(),
    invitedBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    expiresAt: p.datetime(),
    acceptedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'invitations_tenant_email_idx', properties: ['tenant', 'email'] }],
});
export type IInvitation = InferEntity<typeof Invitation>;
