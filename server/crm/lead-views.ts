import type { ILead } from './lead.entity.ts';
import type { ILeadActivity } from './lead-activity.entity.ts';
import type { LeadActivityView, LeadView } from '../../shared/schemas/leads.ts';
import { iso } from '../http/pagination.ts';

/** A lead as the API and the events show it; `status` and `assignedTo` must be loaded. */
export function leadView(l: ILead): LeadView {
  return {
    id: l.id, statusId: l.status.id, statusName: l.status.name, statusColor: l.status.color,
    assignedToId: l.assignedTo?.id ?? null, assignedToName: l.assignedTo?.name ?? null, createdById: l.createdBy?.id ?? null,
    name: l.name, companyName: l.companyName ?? null, email: l.email ?? null, phone: l.phone ?? null, source: l.source ?? null,
    score: l.score, estimatedValue: l.estimatedValue == null ? null : Number(l.estimatedValue), lastContactedAt: iso(l.lastContactedAt),
    nextFollowupAt: iso(l.nextFollowupAt), version: l.version, createdAt: iso(l.createdAt), updatedAt: iso(l.updatedAt),
  };
}

export function activityView(a: ILeadActivity, userName: string): LeadActivityView {
  return {
    id: a.id, leadId: typeof a.lead === 'number' ? a.lead : a.lead.id, userId: typeof a.user === 'number' ? a.user : a.user.id, userName,
    type: a.type, payload: (a.payload as Record<string, unknown>) ?? null, createdAt: iso(a.createdAt),
  };
}
