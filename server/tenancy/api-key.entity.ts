import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from './tenant.entity.ts';
import { User } from './user.entity.ts';

/**
 * A tenant API key (seed 001 workspace_api_keys), e.g. with the `pbx` scope for the PBX webhook.
 * The key is shown once; only its SHA-256 hex (`keyHash`) and a short display prefix are stored.
 */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    name: p.string().length(255),
    keyPrefix: p.string().length(16),
    // Globally unique: a webhook request is resolved to its tenant by this hash.
    keyHash: p.string().length(64).unique('api_keys_key_hash_unique').hidden(),
    scopes: p.json<string[]>(),
    createdBy: () => p.manyToOne(User).nullable().deleteRule('set null'),
    lastUsedAt: p.datetime().nullable(),
    expiresAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
  },
  indexes: [{ name: 'api_keys_tenant_prefix_idx', properties: ['tenant', 'keyPrefix'] }],
});
export type IApiKey = InferEntity<typeof ApiKey>;
