import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { OwnSipCredentials, PutSipCredentialsBody, SipCredentialsView } from '../../shared/schemas/telephony.ts';
import type { SipCredentialService } from './sip-credentials.service.ts';

export function sipCredentialRoutes(sip: SipCredentialService): RouteSpec[] {
  return [
    route({
      method: 'get', path: '/sip-credentials/me', tag: 'SIP credentials', auth: { kind: 'user', permission: 'calls.make' },
      summary: 'My own SIP credentials, with the password, to register the softphone',
      description: 'The only answer that ever carries a SIP password, and only the caller\'s own. 404 when no administrator has set credentials for the caller; 409 `sip_password_unreadable` when the stored password cannot be decrypted (an administrator must set it again).',
      responses: { 200: { description: 'The caller\'s credentials', schema: OwnSipCredentials } }, errors: [401, 403, 404, 409],
      handler: (ctx) => { requirePrincipal(ctx); return sip.own(ctx); },
    }),
    route({
      method: 'get', path: '/sip-credentials', tag: 'SIP credentials', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Every agent\'s SIP credentials, without passwords',
      responses: { 200: { description: 'Credentials by agent name', schema: z.object({ data: z.array(SipCredentialsView) }) } }, errors: [401, 403],
      handler: async (ctx) => { requirePrincipal(ctx); return { data: await sip.list(ctx) }; },
    }),
    route({
      method: 'put', path: '/users/:id/sip-credentials', tag: 'SIP credentials', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Set (create or replace) an agent\'s SIP credentials',
      description: 'The password is required the first time (422 `password_required`); afterwards an omitted password, display name or auto-register keeps the stored value. The SIP username (the extension the PBX reports) is unique per tenant (409 `username_taken`). The password is encrypted at rest (AES-256-GCM) and never returned here. The agent\'s consoles get `sip-credentials:changed`.',
      params: IdParams, body: PutSipCredentialsBody, responses: { 200: { description: 'Stored (without the password)', schema: SipCredentialsView } }, errors: [400, 401, 403, 404, 409, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return sip.put(ctx, params.id, body); },
    }),
    route({
      method: 'delete', path: '/users/:id/sip-credentials', tag: 'SIP credentials', auth: { kind: 'user', permission: 'settings.manage' },
      summary: 'Remove an agent\'s SIP credentials', description: 'The agent\'s consoles get `sip-credentials:changed` with `configured: false` and unregister.',
      params: IdParams, status: 204, responses: { 204: { description: 'Removed' } }, errors: [400, 401, 403, 404],
      handler: async (ctx, { params }) => { requirePrincipal(ctx); await sip.remove(ctx, params.id); },
    }),
  ];
}
