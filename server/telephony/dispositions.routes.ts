import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { CreateDispositionBody, DispositionView, ReorderDispositionsBody, UpdateDispositionBody } from '../../shared/schemas/telephony.ts';
import type { DispositionService } from './dispositions.service.ts';

const ListQuery = z.strictObject({
  /** Include retired dispositions (needs settings.manage). */
  all: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});
const List = z.object({ data: z.array(DispositionView) });

export function dispositionRoutes(dispositions: DispositionService): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/call-dispositions', tag: 'Call dispositions', auth: { kind: 'user', permission: 'calls.view' },
      summary: 'The tenant\'s call outcomes, in order',
      description: 'Active dispositions only; `all=true` adds the retired ones (needs `settings.manage`, 403 otherwise).',
      query: ListQuery, responses: { 200: { description: 'Dispositions in order', schema: List } }, errors: [400, 401, 403],
      handler: async (ctx, { query }) => { requirePrincipal(ctx); return { data: await dispositions.list(ctx, query.all ?? false) }; },
    }),
    route({
      method: 'post', path: '/call-dispositions', tag: 'Call dispositions', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Add a disposition (at the end)',
      description: 'Names are unique per tenant, retired ones included (409 `name_taken`). One default per tenant: a new default replaces the old one; the first disposition of a tenant becomes the default.',
      body: CreateDispositionBody, status: 201, responses: { 201: { description: 'Created', schema: DispositionView } }, errors: [400, 401, 403, 409],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return dispositions.create(ctx, body); },
    }),
    route({
      method: 'put', path: '/call-dispositions/order', tag: 'Call dispositions', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Reorder the dispositions',
      description: '`ids` lists every active disposition exactly once (422 `incomplete_order` otherwise); retired ones may be listed too, and those left out follow the listed ones. Answers every disposition, retired ones included, in the new order.',
      body: ReorderDispositionsBody, responses: { 200: { description: 'Dispositions in the new order', schema: List } }, errors: [400, 401, 403, 422],
      handler: async (ctx, { body }) => { requirePrincipal(ctx); return { data: await dispositions.reorder(ctx, body.ids) }; },
    }),
    route({
      method: 'patch', path: '/call-dispositions/:id', tag: 'Call dispositions', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Rename, make the default, require a note, retire or restore a disposition',
      description: 'The default cannot be unset or retired (422 `default_required`: make another one the default instead); a retired disposition cannot become the default unless restored in the same request (422 `retired_default`).',
      params: IdParams, body: UpdateDispositionBody, responses: { 200: { description: 'Updated', schema: DispositionView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return dispositions.update(ctx, params.id, body); },
    }),
    route({
      method: 'delete', path: '/call-dispositions/:id', tag: 'Call dispositions', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Delete a disposition, or retire it when calls carry it',
      description: 'A disposition no call carries is deleted (204). One that calls carry is retired instead (`isActive: false`, 200 with the disposition), so past calls keep their outcome. The default cannot be deleted (409 `default_disposition`).',
      params: IdParams,
      responses: { 200: { description: 'Retired (calls carry it)', schema: DispositionView }, 204: { description: 'Deleted' } }, errors: [400, 401, 403, 404, 409],
      handler: async (ctx, { params }) => { requirePrincipal(ctx); return (await dispositions.remove(ctx, params.id)) ?? undefined; },
    }),
  ];
}
