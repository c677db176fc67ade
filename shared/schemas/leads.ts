import { z } from 'zod';
import { Id } from './common.ts';

export const LEAD_SCORES = ['hot', 'warm', 'cold'] as const;
export const LEAD_ACTIVITY_TYPES = ['call', 'note', 'status_change', 'followup', 'assignment'] as const;
export const LEAD_SORTS = ['created_at', 'updated_at', 'name', 'next_followup_at', 'estimated_value'] as const;

const Color = z.string().regex(/^#[0-9A-Fa-f]{6}$/, 'must be a #RRGGBB colour');
const IsoDateTime = z.iso.datetime({ offset: true });
const Cursor = z.string().max(300).regex(/^[A-Za-z0-9_-]+$/, 'is not a cursor this API issued');
const QueryId = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const LeadStatusView = z
  .object({
    id: Id, name: z.string(), color: z.string(), sortOrder: z.number(), isDefault: z.boolean(), isClosed: z.boolean(),
    isWon: z.boolean(), isLost: z.boolean(), requiresNote: z.boolean(), requiresFollowupDate: z.boolean(), leadCount: z.number().optional(),
  })
  .meta({ id: 'LeadStatus' });
export type LeadStatusView = z.infer<typeof LeadStatusView>;

const statusFields = {
  name: z.string().trim().min(1).max(100),
  color: Color,
  isDefault: z.boolean(),
  isClosed: z.boolean(),
  isWon: z.boolean(),
  isLost: z.boolean(),
  requiresNote: z.boolean(),
  requiresFollowupDate: z.boolean(),
};
export const CreateLeadStatusBody = z.strictObject({ ...statusFields, color: Color.optional(), isDefault: z.boolean().optional(), isClosed: z.boolean().optional(), isWon: z.boolean().optional(), isLost: z.boolean().optional(), requiresNote: z.boolean().optional(), requiresFollowupDate: z.boolean().optional() });
export const UpdateLeadStatusBody = z
  .strictObject(Object.fromEntries(Object.entries(statusFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof statusFields]: z.ZodOptional<(typeof statusFields)[K]> })
  .refine((b) => Object.keys(b).length > 0, { message: 'name at least one field to change' });
export const ReorderLeadStatusesBody = z.strictObject({
  ids: z.array(Id).min(1).max(100).refine((ids) => new Set(ids).size === ids.length, 'must not repeat an id'),
});
export const DeleteLeadStatusQuery = z.strictObject({ moveTo: QueryId.optional() });

export const LeadView = z
  .object({
    id: Id, statusId: Id, statusName: z.string(), statusColor: z.string(), assignedToId: Id.nullable(), assignedToName: z.string().nullable(),
    createdById: Id.nullable(), name: z.string(), companyName: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable(),
    source: z.string().nullable(), score: z.enum(LEAD_SCORES), estimatedValue: z.number().nullable(), lastContactedAt: z.string().nullable(),
    nextFollowupAt: z.string().nullable(), version: z.number(), createdAt: z.string().nullable(), updatedAt: z.string().nullable(),
  })
  .meta({ id: 'Lead' });
export type LeadView = z.infer<typeof LeadView>;

const leadFields = {
  name: z.string().trim().min(1).max(255),
  companyName: z.string().trim().max(255).nullable(),
  email: z.string().trim().toLowerCase().max(255).pipe(z.email({ message: 'must be an email address' })).nullable(),
  phone: z.string().trim().min(3).max(40).nullable(),
  source: z.string().trim().max(100).nullable(),
  score: z.enum(LEAD_SCORES),
  estimatedValue: z.number().min(0).max(9_999_999_999.99).nullable(),
  nextFollowupAt: IsoDateTime.nullable(),
};
export const CreateLeadBody = z.strictObject({
  name: leadFields.name,
  companyName: leadFields.companyName.optional(),
  email: leadFields.email.optional(),
  phone: leadFields.phone.optional(),
  source: leadFields.source.optional(),
  score: leadFields.score.optional(),
  estimatedValue: leadFields.estimatedValue.optional(),
  nextFollowupAt: leadFields.nextFollowupAt.optional(),
  statusId: Id.optional(),
  assignedToId: Id.nullable().optional(),
});
export const UpdateLeadBody = z
  .strictObject({
    ...Object.fromEntries(Object.entries(leadFields).map(([k, v]) => [k, v.optional()])) as { [K in keyof typeof leadFields]: z.ZodOptional<(typeof leadFields)[K]> },
    /** The version the client saw; when given, a concurrent change gets 409. */
    version: z.number().int().min(1).optional(),
  })
  .refine((b) => Object.keys(b).filter((k) => k !== 'version').length > 0, { message: 'name at least one field to change' });
export const AssignLeadBody = z.strictObject({ userId: Id.nullable(), version: z.number().int().min(1).optional() });
export const MoveLeadBody = z.strictObject({
  statusId: Id,
  /** The version of the lead the mover saw: the move wins only if nobody changed it since. */
  version: z.number().int().min(1),
  note: z.string().trim().min(1).max(5000).optional(),
  nextFollowupAt: IsoDateTime.optional(),
});
export const AddNoteBody = z.strictObject({ note: z.string().trim().min(1, 'is required').max(5000, 'must be at most 5000 characters') });

export const LeadListQuery = z.strictObject({
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  q: z.string().trim().min(1).max(100).optional(),
  statusId: QueryId.optional(),
  assignedToId: z.union([z.literal('none'), QueryId]).optional(),
  score: z.enum(LEAD_SCORES).optional(),
  source: z.string().trim().max(100).optional(),
  followupFrom: IsoDateTime.optional(),
  followupTo: IsoDateTime.optional(),
  sort: z.enum(LEAD_SORTS).default('created_at'),
  order: z.enum(['asc', 'desc']).default('desc'),
});
export const BoardQuery = z.strictObject({ perColumn: z.coerce.number().int().min(1).max(100).default(20), assignedToId: QueryId.optional() });
export const ColumnQuery = z.strictObject({ cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(100).default(20), assignedToId: QueryId.optional() });
export const StatusParams = z.strictObject({ statusId: QueryId });
export const PageOnlyQuery = z.strictObject({ cursor: Cursor.optional(), limit: z.coerce.number().int().min(1).max(200).default(50) });
export const MyFollowupsQuery = PageOnlyQuery.extend({
  /** Seed 003's query lists upcoming follow-ups only; `true` puts the overdue ones first as well. */
  includeOverdue: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
});

export const BoardColumn = z
  .object({ status: LeadStatusView, count: z.number(), cards: z.array(LeadView), nextCursor: z.string().nullable() })
  .meta({ id: 'BoardColumn' });
export const Board = z.object({ columns: z.array(BoardColumn) }).meta({ id: 'Board' });

export const LeadActivityView = z
  .object({ id: Id, leadId: Id, userId: Id, userName: z.string(), type: z.enum(LEAD_ACTIVITY_TYPES), payload: z.record(z.string(), z.unknown()).nullable(), createdAt: z.string().nullable() })
  .meta({ id: 'LeadActivity' });
export type LeadActivityView = z.infer<typeof LeadActivityView>;

export const NotificationView = z
  .object({ id: Id, type: z.string(), title: z.string(), body: z.string().nullable(), data: z.record(z.string(), z.unknown()).nullable(), readAt: z.string().nullable(), createdAt: z.string() })
  .meta({ id: 'Notification' });
