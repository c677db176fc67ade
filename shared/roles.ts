/** The five roles of a tenant's users, most powerful first. */
export const ROLES = ['tenant_admin', 'supervisor', 'sales_agent', 'support_agent', 'read_only'] as const;
export type Role = (typeof ROLES)[number];
