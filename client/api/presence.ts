// Types only: the zod schemas stay out of the browser bundle.
import type { z } from 'zod';
import type { PresenceView } from '@shared/realtime';
import type { PresenceReasonView, TimeInState as TimeInStateSchema } from '@shared/schemas/presence';
import { http } from './http';

export type { PresenceView };
/** A tenant's "not ready" reason (break, training…). Retired reasons stay listed with `isActive: false`. */
export type PresenceReason = z.infer<typeof PresenceReasonView>;
export type TimeInState = z.infer<typeof TimeInStateSchema>;

/** GET /presence (dashboard.view): every active user of the tenant with their current state. */
export async function fetchPresence(): Promise<PresenceView[]> {
  return (await http.get<{ data: PresenceView[] }>('/presence')).data;
}

/** GET /presence-reasons: every reason of the tenant, active or retired, in display order. */
export async function fetchPresenceReasons(): Promise<PresenceReason[]> {
  return (await http.get<{ data: PresenceReason[] }>('/presence-reasons')).data;
}

/** POST /presence-reasons (settings.manage). 409 name_taken. */
export function createPresenceReason(body: { name: string; sortOrder?: number }): Promise<PresenceReason> {
  return http.post<PresenceReason>('/presence-reasons', body);
}

/** PATCH /presence-reasons/:id (settings.manage): rename, reorder, retire (`isActive: false`) or restore. */
export function updatePresenceReason(id: number, body: { name?: string; sortOrder?: number; isActive?: boolean }): Promise<PresenceReason> {
  return http.patch<PresenceReason>(`/presence-reasons/${id}`, body);
}

/** GET /presence/time-in-state: seconds per state on one day of the tenant, in its time zone (everyone with dashboard.view, else only oneself). */
export function fetchTimeInState(date?: string): Promise<TimeInState> {
  return http.get<TimeInState>('/presence/time-in-state', { query: { date } });
}
