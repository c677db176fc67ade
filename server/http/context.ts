import type { EntityManager } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { Principal } from '../auth/principal.ts';

/**
 * Everything a service needs to do one unit of work for one caller. Built once
 * per request (or socket event, or job); the EntityManager is a fresh fork whose
 * tenant filter is set as soon as the caller is known.
 */
export interface RequestContext {
  em: EntityManager;
  log: Logger;
  requestId: string;
  ip: string;
  userAgent: string;
  principal?: Principal;
}

/** A context whose caller is known: what every tenant-scoped service takes. */
export interface TenantContext extends RequestContext {
  principal: Principal;
}

export function requirePrincipal(ctx: RequestContext): asserts ctx is TenantContext {
  if (!ctx.principal) throw new Error('A tenant-scoped service was called without a principal.');
}
