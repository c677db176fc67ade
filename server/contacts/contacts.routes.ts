import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { Page } from '../../shared/schemas/common.ts';
import { ContactListQuery, ContactView, CreateContactBody, UpdateContactBody } from '../../shared/schemas/contacts.ts';
import type { ContactService } from './contacts.service.ts';

export function contactRoutes(contacts: ContactService): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/contacts', tag: 'Contacts', auth: { kind: 'user', permission: 'contacts.view' }, summary: 'Search and list contacts',
      description: '`sort=newest` (the default) lists the newest contact first; `sort=name` by first name. `q` matches the start of the first name, '
        + 'last name, "first last" or email, or a phone number (any format; compared in E.164, read with the tenant\'s default country). Keyset-paged: '
        + 'pass `nextCursor` back as `cursor` with the same `sort` and `q`.',
      query: ContactListQuery, responses: { 200: { description: 'A page of contacts', schema: Page(ContactView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return contacts.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/contacts', tag: 'Contacts', auth: { kind: 'user', permission: 'contacts.manage' }, summary: 'Create a contact',
      description: 'The phone is stored in E.164, read with the tenant\'s default country; an invalid number is a 422 `invalid_phone`.',
      body: CreateContactBody, status: 201, responses: { 201: { description: 'Created', schema: ContactView } }, errors: [400, 401, 403, 422],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return contacts.create(ctx, body); },
    }),
    route({
      method: 'get', path: '/contacts/:id', tag: 'Contacts', auth: { kind: 'user', permission: 'contacts.view' }, summary: 'One contact',
      description: 'Another tenant\'s contact is a 404, like one that does not exist.',
      params: IdParams, responses: { 200: { description: 'The contact', schema: ContactView } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return contacts.get(ctx, params.id); },
    }),
    route({
      method: 'patch', path: '/contacts/:id', tag: 'Contacts', auth: { kind: 'user', permission: 'contacts.manage' }, summary: 'Edit a contact',
      description: 'Only the fields sent change. A new phone is stored in E.164 (an invalid number is a 422 `invalid_phone`).',
      params: IdParams, body: UpdateContactBody, responses: { 200: { description: 'Updated', schema: ContactView } }, errors: [400, 401, 403, 404, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return contacts.update(ctx, params.id, body); },
    }),
  ];
}
