import { User } from './user.entity.ts';
import { hashPassword } from '../auth/passwords.ts';
import { audit, diff } from '../audit/audit.service.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import type { Role } from '../../shared/roles.ts';
import type { AuthService } from '../auth/auth.service.ts';
import type { Publisher } from '../realtime/publisher.ts';

export function userView(u: { id: number; tenant: { id: number }; name: string; email: string; role: Role; isActive: boolean; lastLoginAt?: Date | null; createdAt?: Date | null }) {
  return { id: u.id, tenantId: u.tenant.id, name: u.name, email: u.email, role: u.role, isActive: u.isActive, lastLoginAt: iso(u.lastLoginAt), createdAt: iso(u.createdAt) };
}

export class UserService {
  /** Set by a web node: a rename reaches the name its sockets (and every other node's) announce. */
  onRenamed: ((tenantId: number, userId: number, name: string) => void) | null = null;

  constructor(private readonly auth: AuthService, private readonly publisher: Publisher) {}

  private async announce(tenantId: number, type: 'user:created' | 'user:updated', u: { id: number; name: string; email: string; role: Role; isActive: boolean }) {
    await this.publisher.publish(tenantId, type, { id: u.id, name: u.name, email: u.email, role: u.role, isActive: u.isActive }, { kind: 'permission', permission: 'users.view' });
  }

  async list(ctx: TenantContext, q: { cursor?: string; limit: number; role?: Role; active?: boolean; q?: string }) {
    const after = decodeCursor(q.cursor, isIdCursor);
    const where: Record<string, unknown> = {};
    if (after) where.id = { $lt: after.id };
    if (q.role) where.role = q.role;
    if (q.active !== undefined) where.isActive = q.active;
    if (q.q) {
      const like = `%${q.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.$or = [{ name: { $like: like } }, { email: { $like: like } }];
    }
    const rows = await ctx.em.find(User, where, { orderBy: { id: 'desc' }, limit: q.limit + 1 });
    return pageOf(rows, q.limit, userView);
  }

  async get(ctx: TenantContext, id: number) {
    const u = await ctx.em.findOne(User, { id });
    if (!u) throw new NotFoundError('User');
    return userView(u);
  }

  async create(ctx: TenantContext, body: { name: string; email: string; role: Role; password: string }) {
    await this.assertEmailFree(ctx, body.email);
    const u = ctx.em.create(User, { tenant: ctx.principal.tenantId, name: body.name, email: body.email, role: body.role, password: await hashPassword(body.password), isActive: true } as never);
    await ctx.em.flush();
    audit(ctx.em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'user.created', entityType: 'user', entityId: u.id, changes: { name: body.name, email: body.email, role: body.role } });
    await ctx.em.flush();
    await this.announce(ctx.principal.tenantId, 'user:created', u);
    return userView(u);
  }

  async update(ctx: TenantContext, id: number, body: { name?: string; role?: Role; isActive?: boolean; password?: string }) {
    const u = await ctx.em.findOne(User, { id });
    if (!u) throw new NotFoundError('User');
    if (id === ctx.principal.userId && (body.isActive === false || (body.role && body.role !== u.role))) {
      throw new UnprocessableError('You cannot deactivate yourself or change your own role.', undefined, 'self_change');
    }
    const before = { name: u.name, role: u.role, isActive: u.isActive };
    const changes: Record<string, unknown> = diff(before, { name: body.name, role: body.role, isActive: body.isActive });
    if (body.name !== undefined) u.name = body.name;
    if (body.role !== undefined) u.role = body.role;
    if (body.isActive !== undefined) u.isActive = body.isActive;
    if (body.password !== undefined) {
      u.password = await hashPassword(body.password);
      u.tokenVersion += 1;
      changes.password = 'changed';
    }
    const revoke = body.isActive === false || body.password !== undefined;
    await ctx.em.transactional(async (em) => {
      if (revoke) await this.auth.revokeAllForUser(em, ctx.principal.tenantId, u.id);
      audit(em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: body.isActive === false ? 'user.deactivated' : 'user.updated', entityType: 'user', entityId: u.id, changes });
    });
    // Committed: tell the others, and drop a deactivated or signed-out user's sockets on every node
    // (a role change is re-roomed by each node's revalidation within SOCKET_REVALIDATE_MS).
    if (revoke) this.publisher.disconnectUser(ctx.principal.tenantId, u.id);
    if (changes.name !== undefined) this.onRenamed?.(ctx.principal.tenantId, u.id, u.name);
    // Both events' appends leave in one write (the publisher's connection is auto-pipelined).
    await Promise.all([
      this.announce(ctx.principal.tenantId, 'user:updated', u),
      changes.name !== undefined ? this.publisher.publish(ctx.principal.tenantId, 'user:renamed', { id: u.id, name: u.name }, { kind: 'tenant' }) : null,
    ]);
    return userView(u);
  }

  deactivate(ctx: TenantContext, id: number) {
    return this.update(ctx, id, { isActive: false });
  }

  /** Emails are unique across tenants: login takes only an email. */
  async assertEmailFree(ctx: TenantContext, email: string) {
    const taken = await ctx.em.count(User, { email }, { filters: { tenant: false } });
    if (taken) throw new ConflictError('A user with this email already exists.', [{ path: 'body.email', message: 'is already taken' }], 'email_taken');
  }
}
