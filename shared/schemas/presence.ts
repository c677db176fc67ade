import { z } from 'zod';
import { ROLES } from '../roles.ts';
import { PRESENCE_STATES } from '../realtime.ts';
import { Id } from './common.ts';

export const PresenceViewSchema = z
  .object({
    userId: Id, name: z.string(), role: z.enum(ROLES), state: z.enum(PRESENCE_STATES), reasonId: Id.nullable(),
    reasonName: z.string().nullable(), since: z.string().nullable(),
  })
  .meta({ id: 'Presence' });
export const PresenceSnapshot = z.object({ data: z.array(PresenceViewSchema) });

export const TimeInStateQuery = z.strictObject({
  date: z.iso.date().optional(),
  userId: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
});
export const TimeInState = z
  .object({
    date: z.string(), timezone: z.string(), from: z.string(), to: z.string(),
    data: z.array(z.object({ userId: Id, name: z.string(), seconds: z.record(z.enum(PRESENCE_STATES), z.number()) })),
  })
  .meta({ id: 'TimeInState' });

export const PresenceReasonView = z.object({ id: Id, name: z.string(), sortOrder: z.number(), isActive: z.boolean() }).meta({ id: 'PresenceReason' });
export const CreatePresenceReasonBody = z.strictObject({ name: z.string().trim().min(1).max(100), sortOrder: z.number().int().min(0).max(10_000).optional() });
export const UpdatePresenceReasonBody = z
  .strictObject({ name: z.string().trim().min(1).max(100).optional(), sortOrder: z.number().int().min(0).max(10_000).optional(), isActive: z.boolean().optional() })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
