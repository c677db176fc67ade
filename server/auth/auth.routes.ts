import { route, type RouteSpec } from '../http/route.ts';
import { LoginBody, LoginResponse, LogoutBody, MeResponse, RefreshBody, RefreshResponse } from '../../shared/schemas/auth.ts';
import { toSessionUser, type AuthService } from './auth.service.ts';
import { Tenant } from '../tenancy/tenant.entity.ts';
import { NotFoundError } from '../http/errors.ts';
import { requirePrincipal } from '../http/context.ts';
import type { Role } from '../../shared/roles.ts';

export function authRoutes(auth: AuthService): RouteSpec[] {
  return [
    route({
      method: 'post', path: '/auth/login', tag: 'Auth', auth: { kind: 'public' },
      summary: 'Sign in with email and password',
      description: 'Wrong credentials get the same 401 whether or not the email exists. The 11th failure for one email from one IP within 15 minutes gets 429 with Retry-After.',
      body: LoginBody, responses: { 200: { description: 'Signed in', schema: LoginResponse } }, errors: [400, 401, 403, 429],
      handler: (ctx, { body }) => auth.login(ctx, body.email, body.password),
    }),
    route({
      method: 'post', path: '/auth/refresh', tag: 'Auth', auth: { kind: 'public' },
      summary: 'Exchange a refresh token for a new token pair (rotation)',
      description: 'Each refresh token works once. Presenting a used token revokes every token of that login (401 `refresh_token_reused`). '
        + 'A token whose session was ended on purpose (sign-out, a password change) answers 401 `refresh_token_revoked`; '
        + 'an expired one `refresh_token_expired`; a deactivated account `user_inactive`; a suspended workspace `tenant_suspended`.',
      body: RefreshBody, responses: { 200: { description: 'New token pair', schema: RefreshResponse } }, errors: [400, 401],
      handler: (ctx, { body }) => auth.refresh(ctx, body.refreshToken),
    }),
    route({
      method: 'post', path: '/auth/logout', tag: 'Auth', auth: { kind: 'user', permission: null },
      summary: 'Sign out: revokes the refresh token family of this login',
      body: LogoutBody, status: 204, responses: { 204: { description: 'Signed out' } }, errors: [400, 401],
      handler: async (ctx, { body }) => {
        requirePrincipal(ctx);
        await auth.logout(ctx, ctx.principal, body.refreshToken);
      },
    }),
    route({
      method: 'get', path: '/me', tag: 'Auth', auth: { kind: 'user', permission: null },
      summary: 'The signed-in user, their tenant and permissions',
      responses: { 200: { description: 'The caller', schema: MeResponse } }, errors: [401],
      handler: async (ctx) => {
        requirePrincipal(ctx);
        const p = ctx.principal;
        const tenant = await ctx.em.findOne(Tenant, { id: p.tenantId });
        if (!tenant) throw new NotFoundError('Tenant');
        return {
          user: toSessionUser({ id: p.userId!, tenant: { id: p.tenantId }, name: p.name, email: p.email!, role: p.role as Role }),
          tenant: { id: tenant.id, name: tenant.name, timezone: tenant.timezone, defaultCountry: tenant.defaultCountry },
          permissions: [...p.permissions].sort(),
        };
      },
    }),
  ];
}
