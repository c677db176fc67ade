// Types only: the zod schemas stay out of the browser bundle.
import type { Page } from '@shared/schemas/common';
import type { LEAD_SCORES, LEAD_SORTS, LeadActivityView, LeadStatusView, LeadView } from '@shared/schemas/leads';
import { http } from './http';

export type { LeadActivityView, LeadStatusView, LeadView, Page };
export type LeadScore = (typeof LEAD_SCORES)[number];
export type LeadSort = (typeof LEAD_SORTS)[number];

export interface BoardColumn {
  status: LeadStatusView;
  count: number;
  cards: LeadView[];
  nextCursor: string | null;
}

/** The fields of a status an administrator sets (POST / PATCH /lead-statuses). */
export interface LeadStatusFields {
  name: string;
  color: string;
  isDefault: boolean;
  isClosed: boolean;
  isWon: boolean;
  isLost: boolean;
  requiresNote: boolean;
  requiresFollowupDate: boolean;
}

/** The editable fields of a lead (PATCH /leads/:id). */
export interface LeadFields {
  name: string;
  companyName: string | null;
  email: string | null;
  phone: string | null;
  source: string | null;
  score: LeadScore;
  estimatedValue: number | null;
  nextFollowupAt: string | null;
}

export interface LeadListFilters {
  q?: string;
  statusId?: number;
  assignedToId?: number | 'none';
  score?: LeadScore;
  source?: string;
  followupFrom?: string;
  followupTo?: string;
  sort?: LeadSort;
  order?: 'asc' | 'desc';
}

// ---------------------------------------------------------------- statuses

/** GET /lead-statuses: the pipeline's columns in order (`counts` adds leadCount to each). */
export async function fetchStatuses(counts = false): Promise<LeadStatusView[]> {
  return (await http.get<{ data: LeadStatusView[] }>('/lead-statuses', { query: { counts: counts || undefined } })).data;
}

/** POST /lead-statuses (settings.manage): added at the end. 409 name_taken, 422 rule violations. */
export function createStatus(body: Partial<LeadStatusFields> & { name: string }): Promise<LeadStatusView> {
  return http.post<LeadStatusView>('/lead-statuses', body);
}

/** PATCH /lead-statuses/:id (settings.manage). */
export function updateStatus(id: number, body: Partial<LeadStatusFields>): Promise<LeadStatusView> {
  return http.patch<LeadStatusView>(`/lead-statuses/${id}`, body);
}

/** PUT /lead-statuses/order: every status id, once, in the new order. */
export async function reorderStatuses(ids: number[]): Promise<LeadStatusView[]> {
  return (await http.put<{ data: LeadStatusView[] }>('/lead-statuses/order', { ids })).data;
}

/** DELETE /lead-statuses/:id; a status holding leads needs `moveTo` (409 status_in_use otherwise). */
export function deleteStatus(id: number, moveTo?: number): Promise<void> {
  return http.delete(`/lead-statuses/${id}`, { query: { moveTo } });
}

// ---------------------------------------------------------------- leads

/** GET /leads/board: every column with its count and first cards. */
export async function fetchBoard(options: { perColumn?: number; assignedToId?: number | null } = {}): Promise<BoardColumn[]> {
  return (await http.get<{ columns: BoardColumn[] }>('/leads/board', { query: { perColumn: options.perColumn, assignedToId: options.assignedToId ?? undefined } })).columns;
}

/** GET /leads/board/:statusId: the next cards of one column. */
export function fetchColumn(statusId: number, options: { cursor?: string | null; limit?: number; assignedToId?: number | null } = {}): Promise<Page<LeadView>> {
  return http.get<Page<LeadView>>(`/leads/board/${statusId}`, { query: { cursor: options.cursor ?? undefined, limit: options.limit, assignedToId: options.assignedToId ?? undefined } });
}

/** GET /leads: search and filters, one page. */
export function fetchLeads(filters: LeadListFilters, cursor: string | null = null, limit = 50): Promise<Page<LeadView>> {
  return http.get<Page<LeadView>>('/leads', { query: { ...filters, cursor: cursor ?? undefined, limit } });
}

/** GET /leads/my-followups?includeOverdue=true: my open leads with a follow-up, overdue first, then soonest. */
export function fetchMyFollowups(cursor: string | null = null, limit = 50): Promise<Page<LeadView>> {
  return http.get<Page<LeadView>>('/leads/my-followups', { query: { includeOverdue: 'true', cursor: cursor ?? undefined, limit } });
}

export function fetchLead(id: number): Promise<LeadView> {
  return http.get<LeadView>(`/leads/${id}`);
}

/** POST /leads (leads.manage): in the default status unless `statusId` is given. */
export function createLead(body: Partial<LeadFields> & { name: string; statusId?: number; assignedToId?: number | null }): Promise<LeadView> {
  return http.post<LeadView>('/leads', body);
}

/** PATCH /leads/:id with the version the user saw: 409 stale_version (details.current) if someone changed it since. */
export function updateLead(id: number, changes: Partial<LeadFields>, version: number): Promise<LeadView> {
  return http.patch<LeadView>(`/leads/${id}`, { ...changes, version });
}

export function deleteLead(id: number): Promise<void> {
  return http.delete(`/leads/${id}`);
}

/** POST /leads/:id/assign; `userId` null unassigns. */
export function assignLead(id: number, userId: number | null, version: number): Promise<LeadView> {
  return http.post<LeadView>(`/leads/${id}/assign`, { userId, version });
}

/**
 * POST /leads/:id/move. 422 move_requirements (details: [{ path: 'body.note' | 'body.nextFollowupAt' }]) when the
 * target needs a note or a future follow-up; 409 stale_version (details.current) when the lead changed since.
 */
export function moveLead(id: number, body: { statusId: number; version: number; note?: string; nextFollowupAt?: string }): Promise<LeadView> {
  return http.post<LeadView>(`/leads/${id}/move`, body);
}

/** GET /leads/:id/activities: the timeline, newest first. */
export function fetchActivities(id: number, cursor: string | null = null, limit = 30): Promise<Page<LeadActivityView>> {
  return http.get<Page<LeadActivityView>>(`/leads/${id}/activities`, { query: { cursor: cursor ?? undefined, limit } });
}

export function addNote(id: number, note: string): Promise<LeadActivityView> {
  return http.post<LeadActivityView>(`/leads/${id}/notes`, { note });
}
