import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { tenantFilter } from '../db/tenant-filter.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { User } from '../tenancy/user.entity.ts';

/**
 * An agent's SIP account for the browser softphone (seed 003 agent_sip_credentials).
 * The password is encrypted at rest (`passwordCiphertext`, with the id of the key that
 * encrypted it) and is hidden + lazy: it is loaded only on explicit populate and only ever
 * returned to its own agent. `sipUsername` is the extension the PBX webhook reports.
 */
export const AgentSipCredential = defineEntity({
  name: 'AgentSipCredential',
  tableName: 'agent_sip_credentials',
  filters: tenantFilter,
  properties: {
    id: p.bigint('number').primary().autoincrement().unsigned(),
    tenant: () => p.manyToOne(Tenant).deleteRule('cascade'),
    user: () => p.manyToOne(User).deleteRule('cascade'),
    sipWsUrl: p.string().length(255),
    sipUsername: p.string().length(255),
    passwordCiphertext: p.text().hidden().lazy(),
    passwordKeyId: p.string().length(32),
    sipDomain: p.string().length(255),
    displayName: p.string().length(255).nullable(),
    autoRegister: p.boolean().default(false),
    createdAt: p.datetime().onCreate(() => new Date()).nullable(),
    updatedAt: p.datetime().onCreate(() => new Date()).onUpdate(() => new Date()).nullable(),
  },
  uniques: [
    { name: 'agent_sip_tenant_user_unique', properties: ['tenant', 'user'] },
    { name: 'agent_sip_tenant_username_unique', properties: ['tenant', 'sipUsername'] },
  ],
});
export type IAgentSipCredential = InferEntity<typeof AgentSipCredential>;
