/**
 * The strict tenant filter every tenant-owned entity carries.
 *
 * It is enabled by default and requires a `tenantId` argument: a query on a
 * tenant-owned entity from an EntityManager whose tenant was never set fails
 * with "No arguments provided for filter 'tenant'" instead of silently reading
 * every tenant's rows. Code that truly works across tenants (webhook routing by
 * phone_number_id, the seeder, migrations) must say so with
 * `filters: { tenant: false }` on that one query.
 */
export const TENANT_FILTER = 'tenant';

export const tenantFilter = {
  [TENANT_FILTER]: {
    name: TENANT_FILTER,
    cond: (args: { tenantId?: number }) => ({ tenant: args.tenantId }),
    default: true,
    args: true,
  },
} as const;
