import type { Request, Response } from 'express';
import { z, type ZodType } from 'zod';
import type { Permission } from '../../shared/permissions.ts';
import type { RequestContext } from './context.ts';

export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/**
 * Who may call a route:
 * - `public`: anyone (login, invitation accept, health);
 * - `user`: a signed-in user; `permission` names what they must hold, or null
 *   for routes every signed-in user may call (`/me`, logout);
 * - `apiKey`: a tenant API key holding `scope` (machine-to-machine: the PBX).
 */
export type RouteAuth =
  | { kind: 'public' }
  | { kind: 'user'; permission: Permission | null }
  | { kind: 'apiKey'; scope: string };

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
}

export interface ResponseSpec {
  description: string;
  schema?: ZodType;
}

/** One REST route: its contract (used to validate and to document) and its handler. */
export interface RouteSpec<B = any, Q = any, P = any> {
  method: HttpMethod;
  /** Express path under /api/v1 (or absolute when `absolute` is set), e.g. `/users/:id`. */
  path: string;
  absolute?: boolean;
  summary: string;
  description?: string;
  tag: string;
  auth: RouteAuth;
  body?: ZodType<B>;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  /** Status of a successful answer; 204 sends no body. */
  status?: 200 | 201 | 202 | 204;
  responses: Partial<Record<200 | 201 | 202 | 204, ResponseSpec>>;
  /** Extra error statuses this route can answer, documented in OpenAPI. */
  errors?: number[];
  handler: (ctx: RequestContext, input: RouteInput<B, Q, P>, req: Request, res: Response) => Promise<unknown> | unknown;
}

/** Keeps the generic types of a route literal while collecting it in a list. */
export function route<B = undefined, Q = undefined, P = undefined>(spec: RouteSpec<B, Q, P>): RouteSpec<B, Q, P> {
  return spec;
}

/** The `:id` path parameter of most routes: a positive safe integer. */
export const IdParams = z.strictObject({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export type IdParams = z.infer<typeof IdParams>;
