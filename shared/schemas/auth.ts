import { z } from 'zod';
import { ROLES } from '../roles.ts';
import { PERMISSIONS } from '../permissions.ts';
import { Email, Id } from './common.ts';

export const LoginBody = z.strictObject({
  email: Email,
  password: z.string().min(1, 'is required').max(200),
});
export type LoginBody = z.infer<typeof LoginBody>;

export const SessionUser = z
  .object({ id: Id, tenantId: Id, name: z.string(), email: z.string(), role: z.enum(ROLES) })
  .meta({ id: 'SessionUser' });
export type SessionUser = z.infer<typeof SessionUser>;

export const LoginResponse = z
  .object({ accessToken: z.string(), refreshToken: z.string(), user: SessionUser })
  .meta({ id: 'LoginResponse' });
export type LoginResponse = z.infer<typeof LoginResponse>;

export const RefreshBody = z.strictObject({ refreshToken: z.string().min(20).max(200) });
export const RefreshResponse = z.object({ accessToken: z.string(), refreshToken: z.string() }).meta({ id: 'TokenPair' });
export const LogoutBody = z.strictObject({ refreshToken: z.string().min(20).max(200).optional() });

export const MeResponse = z
  .object({
    user: SessionUser,
    tenant: z.object({ id: Id, name: z.string(), timezone: z.string(), defaultCountry: z.string() }),
    permissions: z.array(z.enum(PERMISSIONS)),
  })
  .meta({ id: 'Me' });
export type MeResponse = z.infer<typeof MeResponse>;
