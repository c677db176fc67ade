import { z } from 'zod';
import { ROLES } from '../roles.ts';
import { PERMISSIONS } from '../permissions.ts';
import { isTimeZone } from '../time-zones.ts';
import { Email, Id, NewPassword, PersonName } from './common.ts';

const Role = z.enum(ROLES);
const IsoDate = z.string();

export const UserView = z
  .object({
    id: Id, tenantId: Id, name: z.string(), email: z.string(), role: Role, isActive: z.boolean(),
    lastLoginAt: IsoDate.nullable(), createdAt: IsoDate.nullable(),
  })
  .meta({ id: 'User' });
export type UserView = z.infer<typeof UserView>;

export const CreateUserBody = z.strictObject({ name: PersonName, email: Email, role: Role, password: NewPassword });
export const UpdateUserBody = z
  .strictObject({ name: PersonName.optional(), role: Role.optional(), isActive: z.boolean().optional(), password: NewPassword.optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
export const UserListQuery = z.strictObject({
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  role: Role.optional(),
  active: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  q: z.string().trim().max(100).optional(),
});

export const InvitationView = z
  .object({
    id: Id, email: z.string(), role: Role, expiresAt: IsoDate, acceptedAt: IsoDate.nullable(), revokedAt: IsoDate.nullable(),
    createdAt: IsoDate.nullable(),
  })
  .meta({ id: 'Invitation' });
export const CreatedInvitation = InvitationView.extend({ token: z.string(), acceptUrl: z.string() }).meta({ id: 'CreatedInvitation' });
export const CreateInvitationBody = z.strictObject({ email: Email, role: Role });
export const InvitationLookupQuery = z.strictObject({ token: z.string().min(20).max(200) });
export const InvitationLookup = z.object({ email: z.string(), role: Role, tenantName: z.string(), expiresAt: IsoDate }).meta({ id: 'InvitationLookup' });
export const AcceptInvitationBody = z.strictObject({ token: z.string().min(20).max(200), name: PersonName, password: NewPassword });

export const API_KEY_SCOPES = ['pbx', 'read', 'write'] as const;
export const ApiKeyView = z
  .object({
    id: Id, name: z.string(), prefix: z.string(), scopes: z.array(z.enum(API_KEY_SCOPES)), lastUsedAt: IsoDate.nullable(),
    expiresAt: IsoDate.nullable(), revokedAt: IsoDate.nullable(), createdAt: IsoDate.nullable(),
  })
  .meta({ id: 'ApiKey' });
export const CreateApiKeyBody = z.strictObject({
  name: z.string().trim().min(1).max(100),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1).max(API_KEY_SCOPES.length).refine((s) => new Set(s).size === s.length, 'must not repeat a scope'),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
});
export const CreatedApiKey = z.object({ id: Id, key: z.string(), name: z.string(), prefix: z.string(), scopes: z.array(z.enum(API_KEY_SCOPES)) }).meta({ id: 'CreatedApiKey' });

export const PermissionMatrix = z
  .object({ permissions: z.array(z.enum(PERMISSIONS)), roles: z.record(Role, z.array(z.enum(PERMISSIONS))) })
  .meta({ id: 'PermissionMatrix' });
export const RoleParams = z.strictObject({ role: Role });
export const SetPermissionsBody = z.strictObject({
  permissions: z.array(z.enum(PERMISSIONS)).max(PERMISSIONS.length).refine((s) => new Set(s).size === s.length, 'must not repeat a permission'),
});

/** A STUN or TURN server the softphone's WebRTC uses to reach the PBX's media (RTCIceServer). */
export const IceServer = z
  .strictObject({
    urls: z.union([z.string(), z.array(z.string()).min(1).max(5)]).refine(
      (u) => (Array.isArray(u) ? u : [u]).every((x) => /^(stun|turn|turns):[^\s]+$/.test(x) && x.length <= 255),
      'must be stun:, turn: or turns: URLs',
    ),
    username: z.string().max(255).optional(),
    credential: z.string().max(255).optional(),
  })
  .meta({ id: 'IceServer' });
export type IceServer = z.infer<typeof IceServer>;

export const TenantSettings = z
  .object({
    id: Id, name: z.string(), timezone: z.string(), defaultCountry: z.string(), status: z.string(),
    /** Seconds after a call ends before the agent returns to available by themselves; 0 = when they close the call. */
    wrapupTimeoutSeconds: z.number(),
    /** STUN/TURN servers for the softphones (empty: host candidates only, enough on a LAN or with a public PBX). */
    iceServers: z.array(IceServer),
  })
  .meta({ id: 'TenantSettings' });
export type TenantSettings = z.infer<typeof TenantSettings>;
export const UpdateSettingsBody = z
  .strictObject({
    name: z.string().trim().min(1).max(255).optional(),
    timezone: z.string().max(64).refine(isTimeZone, 'is not an IANA time zone').optional(),
    defaultCountry: z.string().length(2).regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code').optional(),
    wrapupTimeoutSeconds: z.number().int().min(0).max(3600).optional(),
    iceServers: z.array(IceServer).max(5).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
export type UpdateSettingsBody = z.infer<typeof UpdateSettingsBody>;

export const AuditLogView = z
  .object({
    id: Id, userId: Id.nullable(), action: z.string(), entityType: z.string(), entityId: Id.nullable(),
    changes: z.unknown().nullable(), ipAddress: z.string().nullable(), userAgent: z.string().nullable(), createdAt: IsoDate.nullable(),
  })
  .meta({ id: 'AuditLog' });
export const AuditLogQuery = z.strictObject({
  cursor: z.string().max(200).regex(/^[A-Za-z0-9_-]+$/).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  action: z.string().max(100).optional(),
  userId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});
