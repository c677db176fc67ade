import { z } from 'zod';
import { route, IdParams, type RouteSpec } from '../http/route.ts';
import { requirePrincipal } from '../http/context.ts';
import { Page, PageQuery } from '../../shared/schemas/common.ts';
import {
  AcceptInvitationBody, ApiKeyView, AuditLogQuery, AuditLogView, CreateApiKeyBody, CreateInvitationBody, CreateUserBody, CreatedApiKey,
  CreatedInvitation, InvitationLookup, InvitationLookupQuery, InvitationView, PermissionMatrix, RoleParams, SetPermissionsBody,
  TenantSettings, UpdateSettingsBody, UpdateUserBody, UserListQuery, UserView,
} from '../../shared/schemas/tenancy.ts';
import type { UserService } from './users.service.ts';
import type { InvitationService } from './invitations.service.ts';
import type { ApiKeyService } from './api-keys.service.ts';
import type { SettingsService } from './settings.service.ts';
import { getMatrix, setRolePermissions } from './permissions.service.ts';
import { listAuditLogs } from '../audit/audit.query.ts';

export interface TenancyServices {
  users: UserService;
  invitations: InvitationService;
  apiKeys: ApiKeyService;
  settings: SettingsService;
}

export function tenancyRoutes(s: TenancyServices): RouteSpec[] {
  return [
    // Users
    route({
      method: 'get', path: '/users', tag: 'Users', auth: { kind: 'user', permission: 'users.view' }, summary: 'List the tenant\'s users',
      query: UserListQuery, responses: { 200: { description: 'A page of users', schema: Page(UserView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return s.users.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/users', tag: 'Users', auth: { kind: 'user', permission: 'users.manage' }, summary: 'Create a user with a password',
      body: CreateUserBody, status: 201, responses: { 201: { description: 'Created', schema: UserView } }, errors: [400, 401, 403, 409],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return s.users.create(ctx, body); },
    }),
    route({
      method: 'get', path: '/users/:id', tag: 'Users', auth: { kind: 'user', permission: 'users.view' }, summary: 'One user',
      params: IdParams, responses: { 200: { description: 'The user', schema: UserView } }, errors: [400, 401, 403, 404],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return s.users.get(ctx, params.id); },
    }),
    route({
      method: 'patch', path: '/users/:id', tag: 'Users', auth: { kind: 'user', permission: 'users.manage' },
      summary: 'Change a user\'s name, role, password or active flag',
      description: 'Deactivating a user or changing their password signs them out everywhere; their access tokens stop working at once.',
      params: IdParams, body: UpdateUserBody, responses: { 200: { description: 'Updated', schema: UserView } }, errors: [400, 401, 403, 404, 422],
      handler: (ctx, { params, body }) => { requirePrincipal(ctx); return s.users.update(ctx, params.id, body); },
    }),
    route({
      method: 'post', path: '/users/:id/deactivate', tag: 'Users', auth: { kind: 'user', permission: 'users.manage' }, summary: 'Deactivate a user',
      params: IdParams, responses: { 200: { description: 'Deactivated', schema: UserView } }, errors: [401, 403, 404, 422],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return s.users.deactivate(ctx, params.id); },
    }),
    // Invitations
    route({
      method: 'get', path: '/invitations', tag: 'Invitations', auth: { kind: 'user', permission: 'users.manage' }, summary: 'List invitations',
      query: PageQuery, responses: { 200: { description: 'A page of invitations', schema: Page(InvitationView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return s.invitations.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/invitations', tag: 'Invitations', auth: { kind: 'user', permission: 'users.manage' },
      summary: 'Invite an email with a role', description: 'Returns the accept link once; pass it to the invitee (no mail is sent).',
      body: CreateInvitationBody, status: 201, responses: { 201: { description: 'Created', schema: CreatedInvitation } }, errors: [400, 401, 403, 409],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return s.invitations.create(ctx, body); },
    }),
    route({
      method: 'delete', path: '/invitations/:id', tag: 'Invitations', auth: { kind: 'user', permission: 'users.manage' }, summary: 'Revoke an invitation',
      params: IdParams, responses: { 200: { description: 'Revoked', schema: InvitationView } }, errors: [401, 403, 404, 409],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return s.invitations.revoke(ctx, params.id); },
    }),
    route({
      method: 'get', path: '/invitations/lookup', tag: 'Invitations', auth: { kind: 'public' }, summary: 'What an invitation token is for',
      query: InvitationLookupQuery, responses: { 200: { description: 'The invitation', schema: InvitationLookup } }, errors: [400, 404, 409, 422],
      handler: (ctx, { query }) => s.invitations.lookup(ctx, query.token),
    }),
    route({
      method: 'post', path: '/invitations/accept', tag: 'Invitations', auth: { kind: 'public' }, summary: 'Accept an invitation and set a password',
      body: AcceptInvitationBody, status: 201, responses: { 201: { description: 'The new user', schema: UserView } }, errors: [400, 404, 409, 422],
      handler: (ctx, { body }) => s.invitations.accept(ctx, body),
    }),
    // Permissions
    route({
      method: 'get', path: '/permissions', tag: 'Permissions', auth: { kind: 'user', permission: 'users.manage' }, summary: 'The role/permission matrix of the tenant',
      responses: { 200: { description: 'Matrix', schema: PermissionMatrix } }, errors: [401, 403],
      handler: (ctx) => { requirePrincipal(ctx); return getMatrix(ctx); },
    }),
    route({
      method: 'put', path: '/permissions/:role', tag: 'Permissions', auth: { kind: 'user', permission: 'users.manage' }, summary: 'Replace the permissions of one role',
      params: RoleParams, body: SetPermissionsBody, responses: { 200: { description: 'The role\'s permissions now', schema: z.object({ role: z.string(), permissions: z.array(z.string()) }) } }, errors: [400, 401, 403, 422],
      handler: async (ctx, { params, body }) => { requirePrincipal(ctx); return { role: params.role, permissions: await setRolePermissions(ctx, params.role, body.permissions) }; },
    }),
    // API keys
    route({
      method: 'get', path: '/api-keys', tag: 'API keys', auth: { kind: 'user', permission: 'api_keys.manage' }, summary: 'List API keys (never the key itself)',
      query: PageQuery, responses: { 200: { description: 'A page of keys', schema: Page(ApiKeyView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return s.apiKeys.list(ctx, query); },
    }),
    route({
      method: 'post', path: '/api-keys', tag: 'API keys', auth: { kind: 'user', permission: 'api_keys.manage' },
      summary: 'Create an API key', description: 'The key is in this answer only; it is stored hashed. Use scope `pbx` for the PBX webhook.',
      body: CreateApiKeyBody, status: 201, responses: { 201: { description: 'Created', schema: CreatedApiKey } }, errors: [400, 401, 403, 422],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return s.apiKeys.create(ctx, body); },
    }),
    route({
      method: 'delete', path: '/api-keys/:id', tag: 'API keys', auth: { kind: 'user', permission: 'api_keys.manage' }, summary: 'Revoke an API key',
      params: IdParams, responses: { 200: { description: 'Revoked', schema: ApiKeyView } }, errors: [401, 403, 404],
      handler: (ctx, { params }) => { requirePrincipal(ctx); return s.apiKeys.revoke(ctx, params.id); },
    }),
    // Settings
    route({
      method: 'get', path: '/settings', tag: 'Settings', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Tenant settings',
      responses: { 200: { description: 'Settings', schema: TenantSettings } }, errors: [401, 403],
      handler: (ctx) => { requirePrincipal(ctx); return s.settings.get(ctx); },
    }),
    route({
      method: 'patch', path: '/settings', tag: 'Settings', auth: { kind: 'user', permission: 'settings.manage' }, summary: 'Change tenant settings',
      description: 'A STUN/TURN server (`iceServers`) with a `credential` needs a `username` (RTCIceServer): 422 `ice_username_required` otherwise; a TURN server (`turn:`/`turns:`) needs both a `username` and a `credential`: 422 `ice_turn_auth_required` otherwise.',
      body: UpdateSettingsBody, responses: { 200: { description: 'Settings', schema: TenantSettings } }, errors: [400, 401, 403, 422],
      handler: (ctx, { body }) => { requirePrincipal(ctx); return s.settings.update(ctx, body); },
    }),
    // Audit
    route({
      method: 'get', path: '/audit-logs', tag: 'Audit', auth: { kind: 'user', permission: 'audit.view' }, summary: 'The tenant\'s audit trail, newest first',
      query: AuditLogQuery, responses: { 200: { description: 'A page of audit rows', schema: Page(AuditLogView) } }, errors: [400, 401, 403],
      handler: (ctx, { query }) => { requirePrincipal(ctx); return listAuditLogs(ctx, query); },
    }),
  ];
}
