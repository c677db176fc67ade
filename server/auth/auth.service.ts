import type { EntityManager } from '@mikro-orm/mariadb';
import { randomUUID } from 'node:crypto';
import { User } from '../tenancy/user.entity.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { RefreshToken } from './refresh-token.entity.ts';
import { AuthenticationEvent } from './authentication-event.entity.ts';
import { RateLimitViolation } from './rate-limit-violation.entity.ts';
import { AccessTokens, TokenError, randomToken, sha256 } from './tokens.ts';
import { verifyPassword, dummyHash } from './passwords.ts';
import { LoginLimiter } from './login-limiter.ts';
import { isPermission } from '../../shared/permissions.ts';
import { audit } from '../audit/audit.service.ts';
import type { Principal } from './principal.ts';
import type { RequestContext } from '../http/context.ts';
import { plainSql } from '../db/plain-sql.ts';
import { ForbiddenError, TooManyRequestsError, UnauthorizedError } from '../http/errors.ts';
import type { Role } from '../../shared/roles.ts';

export interface SessionUser {
  id: number;
  tenantId: number;
  name: string;
  email: string;
  role: Role;
}

export interface LoginResult {
  accessToken: string;
  refreshToken: string;
  user: SessionUser;
}

type AuthEventType = 'login_success' | 'login_failure' | 'login_locked' | 'logout' | 'refresh' | 'refresh_reuse';

const NO_TENANT = { filters: { tenant: false } } as const;

/**
 * Login, refresh-token rotation, logout and the per-request check of an access
 * token. Every login attempt leaves an authentication_events row; every 429 a
 * rate_limit_violations row.
 */
export class AuthService {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly limiter: LoginLimiter,
    private readonly refreshTtlDays: number,
  ) {}

  async login(ctx: RequestContext, emailInput: string, password: string): Promise<LoginResult> {
    const em = ctx.em;
    const email = emailInput.trim().toLowerCase();
    const wait = await this.limiter.blockedFor(email, ctx.ip);
    if (wait > 0) {
      em.create(RateLimitViolation, { tenant: null, email, ipAddress: ctx.ip, userAgent: ctx.userAgent.slice(0, 512), limitType: 'login', route: 'auth.login', limit: this.limiter.maxFailures, windowSeconds: this.limiter.windowSeconds } as never);
      this.event(em, ctx, 'login_locked', { email, reason: 'too_many_failures' });
      await em.flush();
      throw new TooManyRequestsError(`Too many failed logins. Try again in ${Math.ceil(wait / 60)} minute(s).`, wait, 'too_many_attempts');
    }

    const user = await em.findOne(User, { email }, { ...NO_TENANT, populate: ['password', 'tenant'] });
    const ok = await verifyPassword(user ? user.password : await dummyHash(), password);
    if (!user || !ok) {
      await this.limiter.recordFailure(email, ctx.ip);
      this.event(em, ctx, 'login_failure', { email, tenantId: user?.tenant.id, userId: user?.id, reason: user ? 'bad_password' : 'unknown_email' });
      await em.flush();
      throw new UnauthorizedError('Email or password is incorrect.', 'invalid_credentials');
    }
    // Only a caller who knows the password learns that the account is disabled.
    if (user.tenant.status !== 'active') {
      this.event(em, ctx, 'login_failure', { email, tenantId: user.tenant.id, userId: user.id, reason: 'tenant_suspended' });
      await em.flush();
      throw new ForbiddenError('This organisation is suspended.', undefined, 'tenant_suspended');
    }
    if (!user.isActive) {
      this.event(em, ctx, 'login_failure', { email, tenantId: user.tenant.id, userId: user.id, reason: 'user_inactive' });
      await em.flush();
      throw new ForbiddenError('This account is deactivated.', undefined, 'user_inactive');
    }

    await this.limiter.reset(email, ctx.ip);
    user.lastLoginAt = new Date();
    const refreshToken = this.issueRefresh(em, ctx, user.tenant.id, user.id, randomUUID());
    this.event(em, ctx, 'login_success', { email, tenantId: user.tenant.id, userId: user.id });
    audit(em, ctx, { tenantId: user.tenant.id, userId: user.id, action: 'auth.login', entityType: 'user', entityId: user.id });
    await em.flush();
    return {
      accessToken: await this.tokens.sign({ sub: String(user.id), tid: user.tenant.id, role: user.role, ver: user.tokenVersion }),
      refreshToken,
      user: toSessionUser(user),
    };
  }

  /**
   * Rotates a refresh token. A token presented twice means it was copied: the
   * whole family (every token descended from the same login) is revoked, so
   * both the thief and the real user must sign in again.
   */
  async refresh(ctx: RequestContext, presented: string): Promise<{ accessToken: string; refreshToken: string }> {
    const em = ctx.em;
    const row = await em.findOne(RefreshToken, { tokenHash: sha256(presented) }, { ...NO_TENANT, populate: ['user', 'tenant'] });
    if (!row) throw new UnauthorizedError('The refresh token is not valid.', 'invalid_refresh_token');
    const tenantId = row.tenant.id;
    if (row.usedAt || row.revokedAt) {
      await this.revokeFamily(em, tenantId, row.familyId);
      this.event(em, ctx, 'refresh_reuse', { tenantId, userId: row.user.id, email: row.user.email, reason: row.revokedAt ? 'revoked' : 'reused' });
      await em.flush();
      // Tokens are revoked by a deactivation too: name the account's state first, then a token revoked without
      // being used was ended on purpose (sign-out, a password change, a reuse detected earlier). The console
      // words each of these as it words the socket's refusal, whichever of the two noticed first.
      if (!row.user.isActive) throw new UnauthorizedError('This account is deactivated.', 'user_inactive');
      if (row.tenant.status !== 'active') throw new UnauthorizedError('This organisation is suspended.', 'tenant_suspended');
      if (!row.usedAt) throw new UnauthorizedError('This session was signed out (for example, the password was changed). Sign in again.', 'refresh_token_revoked');
      throw new UnauthorizedError('The refresh token was already used; every session of this login has been signed out.', 'refresh_token_reused');
    }
    if (row.expiresAt.getTime() <= Date.now()) throw new UnauthorizedError('The refresh token has expired.', 'refresh_token_expired');
    if (row.tenant.status !== 'active') throw new UnauthorizedError('This organisation is suspended.', 'tenant_suspended');
    if (!row.user.isActive) throw new UnauthorizedError('This account is deactivated.', 'user_inactive');

    // Two refreshes racing with one token: only one UPDATE can claim it.
    const claimed = await em.nativeUpdate(RefreshToken, { id: row.id, usedAt: null, revokedAt: null }, { usedAt: new Date() }, { filters: { tenant: { tenantId } } });
    if (claimed !== 1) {
      await this.revokeFamily(em, tenantId, row.familyId);
      await em.flush();
      throw new UnauthorizedError('The refresh token was already used; every session of this login has been signed out.', 'refresh_token_reused');
    }
    const next = this.issueRefresh(em, ctx, tenantId, row.user.id, row.familyId);
    await em.nativeUpdate(RefreshToken, { id: row.id }, { replacedBy: sha256(next) }, { filters: { tenant: { tenantId } } });
    this.event(em, ctx, 'refresh', { tenantId, userId: row.user.id, email: row.user.email });
    await em.flush();
    return {
      accessToken: await this.tokens.sign({ sub: String(row.user.id), tid: tenantId, role: row.user.role, ver: row.user.tokenVersion }),
      refreshToken: next,
    };
  }

  /** Ends the login that `presented` belongs to (its whole family). */
  async logout(ctx: RequestContext, principal: Principal, presented: string | undefined): Promise<void> {
    const em = ctx.em;
    if (presented) {
      const row = await em.findOne(RefreshToken, { tokenHash: sha256(presented), tenant: principal.tenantId, user: principal.userId! });
      if (row) await this.revokeFamily(em, principal.tenantId, row.familyId);
    }
    this.event(em, ctx, 'logout', { tenantId: principal.tenantId, userId: principal.userId, email: principal.email });
    audit(em, ctx, { tenantId: principal.tenantId, userId: principal.userId, action: 'auth.logout', entityType: 'user', entityId: principal.userId });
    await em.flush();
  }

  /** Revokes every refresh token of a user (deactivation, password change). */
  async revokeAllForUser(em: EntityManager, tenantId: number, userId: number): Promise<void> {
    await em.nativeUpdate(RefreshToken, { tenant: tenantId, user: userId, revokedAt: null }, { revokedAt: new Date() }, { filters: { tenant: { tenantId } } });
  }

  /**
   * Turns an access token into the caller, checking the user and tenant are
   * still active right now: a deactivated user's unexpired token stops working
   * at once, not when it expires.
   */
  async authenticate(em: EntityManager, token: string | undefined): Promise<Principal> {
    const claims = await this.tokens.verify(token);
    // On every request and every socket handshake, so one round trip, no hydration and no ORM
    // layer (plain SQL on the ORM's pool): the user, their tenant's status and their role's
    // permissions, scoped by the token's tenant.
    const rows = (await plainSql(em.getConnection()).query(
      `select u.id, u.name, u.email, u.role, u.is_active, u.token_version, t.status as tenant_status,
              (select json_arrayagg(p.permission) from permissions p where p.tenant_id = u.tenant_id and p.role = u.role) as permissions
         from users u join tenants t on t.id = u.tenant_id
        where u.id = ? and u.tenant_id = ?`,
      [Number(claims.sub), claims.tid],
    )) as { id: number | string; name: string; email: string; role: Role; is_active: number; token_version: number; tenant_status: string; permissions: string | null }[];
    const user = rows[0];
    if (!user) throw new TokenError('token_invalid', 'The user of this token no longer exists.');
    if (user.tenant_status !== 'active') throw new AuthStateError('tenant_suspended', 'This organisation is suspended.');
    if (!user.is_active) throw new AuthStateError('user_inactive', 'This account is deactivated.');
    if (Number(user.token_version) !== claims.ver) throw new TokenError('token_revoked', 'This session was signed out (the password changed); sign in again.');
    const permissions = new Set((JSON.parse(user.permissions ?? '[]') as string[]).filter(isPermission));
    return { kind: 'user', tenantId: claims.tid, userId: Number(user.id), role: user.role, name: user.name, email: user.email, permissions };
  }

  private issueRefresh(em: EntityManager, ctx: RequestContext, tenantId: number, userId: number, familyId: string): string {
    const token = randomToken(32);
    em.create(RefreshToken, {
      tenant: tenantId,
      user: userId,
      tokenHash: sha256(token),
      familyId,
      expiresAt: new Date(Date.now() + this.refreshTtlDays * 86_400_000),
      ipAddress: ctx.ip.slice(0, 45),
      userAgent: ctx.userAgent.slice(0, 512),
    } as never);
    return token;
  }

  private async revokeFamily(em: EntityManager, tenantId: number, familyId: string): Promise<void> {
    await em.nativeUpdate(RefreshToken, { tenant: tenantId, familyId, revokedAt: null }, { revokedAt: new Date() }, { filters: { tenant: { tenantId } } });
  }

  private event(em: EntityManager, ctx: RequestContext, type: AuthEventType, f: { email?: string | null; tenantId?: number | null; userId?: number | null; reason?: string }): void {
    em.create(AuthenticationEvent, {
      tenant: f.tenantId ?? null,
      user: f.userId ?? null,
      email: f.email ?? null,
      eventType: type,
      reason: f.reason ?? null,
      ipAddress: ctx.ip.slice(0, 45),
      userAgent: ctx.userAgent.slice(0, 512),
    } as never);
  }
}

/** The token is valid but its user or tenant may no longer act. */
export class AuthStateError extends Error {
  constructor(readonly reason: 'tenant_suspended' | 'user_inactive', message: string) {
    super(message);
  }
}

export function toSessionUser(user: { id: number; tenant: { id: number }; name: string; email: string; role: Role }): SessionUser {
  return { id: user.id, tenantId: user.tenant.id, name: user.name, email: user.email, role: user.role };
}
