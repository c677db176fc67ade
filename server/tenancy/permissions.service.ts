import type { EntityManager } from '@mikro-orm/mariadb';
import { PERMISSIONS, DEFAULT_ROLE_PERMISSIONS, LOCKED_ADMIN_PERMISSIONS, type Permission } from '../../shared/permissions.ts';
import { ROLES, type Role } from '../../shared/roles.ts';
import { Permission as PermissionEntity } from './permission.entity.ts';
import { audit } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { UnprocessableError } from '../http/errors.ts';

const KNOWN = new Set<string>(PERMISSIONS);

/** The permissions `role` holds in `tenantId`, read from the permissions table. */
export async function loadPermissions(em: EntityManager, tenantId: number, role: Role): Promise<Set<Permission>> {
  const rows = await em.find(PermissionEntity, { tenant: tenantId, role }, { filters: { tenant: { tenantId } }, fields: ['permission'] });
  return new Set(rows.map((r) => r.permission).filter((p): p is Permission => KNOWN.has(p)));
}

/** Gives a new tenant the default permission of every role (idempotent). */
export async function seedDefaultPermissions(em: EntityManager, tenantId: number): Promise<void> {
  const existing = await em.find(PermissionEntity, { tenant: tenantId }, { filters: { tenant: { tenantId } } });
  const have = new Set(existing.map((r) => `${r.role}:${r.permission}`));
  for (const role of ROLES) {
    for (const permission of DEFAULT_ROLE_PERMISSIONS[role]) {
      if (!have.has(`${role}:${permission}`)) em.create(PermissionEntity, { tenant: tenantId, role, permission } as never);
    }
  }
  await em.flush();
}

export type PermissionMatrix = Record<Role, Permission[]>;

export async function getMatrix(ctx: TenantContext): Promise<{ permissions: readonly Permission[]; roles: PermissionMatrix }> {
  const rows = await ctx.em.find(PermissionEntity, { tenant: ctx.principal.tenantId }, { orderBy: { role: 'asc', permission: 'asc' } });
  const roles = Object.fromEntries(ROLES.map((r) => [r, [] as Permission[]])) as PermissionMatrix;
  for (const row of rows) if (KNOWN.has(row.permission)) roles[row.role].push(row.permission as Permission);
  return { permissions: PERMISSIONS, roles };
}

/** Replaces what one role holds in the caller's tenant, in one transaction, audited. */
export async function setRolePermissions(ctx: TenantContext, role: Role, permissions: Permission[]): Promise<Permission[]> {
  const wanted = new Set(permissions);
  if (role === 'tenant_admin') {
    const missing = LOCKED_ADMIN_PERMISSIONS.filter((p) => !wanted.has(p));
    if (missing.length) {
      throw new UnprocessableError('tenant_admin must keep these permissions so the tenant can still be administered.', { missing }, 'locked_permission');
    }
  }
  const tenantId = ctx.principal.tenantId;
  return ctx.em.transactional(async (em) => {
    const rows = await em.find(PermissionEntity, { tenant: tenantId, role });
    const before = rows.map((r) => r.permission).sort();
    for (const row of rows) if (!wanted.has(row.permission as Permission)) em.remove(row);
    const have = new Set(rows.map((r) => r.permission));
    for (const p of wanted) if (!have.has(p)) em.create(PermissionEntity, { tenant: tenantId, role, permission: p } as never);
    const after = [...wanted].sort();
    audit(em, ctx, {
      tenantId,
      userId: ctx.principal.userId,
      action: 'permissions.updated',
      entityType: 'role',
      entityId: null,
      changes: { role, from: before, to: after },
    });
    await em.flush();
    return after;
  });
}
