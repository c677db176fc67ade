import type { EntityManager } from '@mikro-orm/mariadb';
import { Invitation } from './invitation.entity.ts';
import { User } from './user.entity.ts';
import { hashPassword } from '../auth/passwords.ts';
import { randomToken, sha256 } from '../auth/tokens.ts';
import { audit } from '../audit/audit.service.ts';
import type { RequestContext, TenantContext } from '../http/context.ts';
import { ConflictError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import { decodeCursor, isIdCursor, iso, pageOf } from '../http/pagination.ts';
import type { Role } from '../../shared/roles.ts';
import type { UserService } from './users.service.ts';
import { userView } from './users.service.ts';

function view(i: any) {
  return { id: i.id, email: i.email, role: i.role as Role, expiresAt: iso(i.expiresAt)!, acceptedAt: iso(i.acceptedAt), revokedAt: iso(i.revokedAt), createdAt: iso(i.createdAt) };
}

/**
 * Invitations: an admin invites an email with a role; there is no mail server,
 * so the accept link is returned to the admin to pass on. The token is stored
 * hashed; accepting it creates the user with the password they choose.
 */
export class InvitationService {
  constructor(private readonly users: UserService, private readonly publicUrl: string, private readonly ttlHours: number) {}

  async create(ctx: TenantContext, body: { email: string; role: Role }) {
    await this.users.assertEmailFree(ctx, body.email);
    const open = await ctx.em.findOne(Invitation, { email: body.email, acceptedAt: null, revokedAt: null, expiresAt: { $gt: new Date() } });
    if (open) throw new ConflictError('This email already has an open invitation; revoke it to send a new one.', { invitationId: open.id }, 'invitation_open');
    const token = randomToken(32);
    const inv = ctx.em.create(Invitation, {
      tenant: ctx.principal.tenantId, email: body.email, role: body.role, tokenHash: sha256(token), invitedBy: ctx.principal.userId,
      expiresAt: new Date(Date.now() + this.ttlHours * 3_600_000),
    } as never);
    await ctx.em.flush();
    audit(ctx.em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'invitation.created', entityType: 'invitation', entityId: inv.id, changes: { email: body.email, role: body.role } });
    await ctx.em.flush();
    return { ...view(inv), token, acceptUrl: `${this.publicUrl.replace(/\/$/, '')}/accept-invitation?token=${token}` };
  }

  async list(ctx: TenantContext, q: { cursor?: string; limit: number }) {
    const after = decodeCursor(q.cursor, isIdCursor);
    const rows = await ctx.em.find(Invitation, after ? { id: { $lt: after.id } } : {}, { orderBy: { id: 'desc' }, limit: q.limit + 1 });
    return pageOf(rows, q.limit, view);
  }

  async revoke(ctx: TenantContext, id: number) {
    const inv = await ctx.em.findOne(Invitation, { id });
    if (!inv) throw new NotFoundError('Invitation');
    if (inv.acceptedAt) throw new ConflictError('This invitation was already accepted.', undefined, 'invitation_accepted');
    if (!inv.revokedAt) {
      inv.revokedAt = new Date();
      audit(ctx.em, ctx, { tenantId: ctx.principal.tenantId, userId: ctx.principal.userId, action: 'invitation.revoked', entityType: 'invitation', entityId: inv.id });
      await ctx.em.flush();
    }
    return view(inv);
  }

  private async findUsable(em: EntityManager, token: string) {
    const inv = await em.findOne(Invitation, { tokenHash: sha256(token) }, { filters: { tenant: false }, populate: ['tenant'] });
    if (!inv) throw new NotFoundError('Invitation');
    if (inv.acceptedAt) throw new ConflictError('This invitation was already accepted.', undefined, 'invitation_accepted');
    if (inv.revokedAt) throw new UnprocessableError('This invitation was revoked.', undefined, 'invitation_revoked');
    if (inv.expiresAt.getTime() <= Date.now()) throw new UnprocessableError('This invitation has expired; ask for a new one.', undefined, 'invitation_expired');
    if (inv.tenant.status !== 'active') throw new UnprocessableError('This organisation is suspended.', undefined, 'tenant_suspended');
    return inv;
  }

  async lookup(ctx: RequestContext, token: string) {
    const inv = await this.findUsable(ctx.em, token);
    return { email: inv.email, role: inv.role as Role, tenantName: inv.tenant.name, expiresAt: inv.expiresAt.toISOString() };
  }

  async accept(ctx: RequestContext, body: { token: string; name: string; password: string }) {
    const inv = await this.findUsable(ctx.em, body.token);
    const tenantId = inv.tenant.id;
    const taken = await ctx.em.count(User, { email: inv.email }, { filters: { tenant: false } });
    if (taken) throw new ConflictError('A user with this email already exists.', undefined, 'email_taken');
    const password = await hashPassword(body.password);
    const user = await ctx.em.transactional(async (em) => {
      // The conditional update makes two concurrent accepts create one user.
      const claimed = await em.nativeUpdate(Invitation, { id: inv.id, acceptedAt: null }, { acceptedAt: new Date() }, { filters: { tenant: { tenantId } } });
      if (claimed !== 1) throw new ConflictError('This invitation was already accepted.', undefined, 'invitation_accepted');
      const u = em.create(User, { tenant: tenantId, name: body.name, email: inv.email, role: inv.role, password, isActive: true } as never);
      await em.flush();
      audit(em, ctx, { tenantId, userId: u.id, action: 'invitation.accepted', entityType: 'user', entityId: u.id, changes: { invitationId: inv.id, role: inv.role } });
      return u;
    });
    return userView(user);
  }
}
