// Types only: the zod schemas stay out of the browser bundle.
import type { DispositionView, SipCredentialsView } from '@shared/schemas/telephony';
import type { IceServer } from '@shared/schemas/tenancy';
import { http } from './http';

export type { DispositionView, SipCredentialsView };

/** The body of PUT /users/:id/sip-credentials. An omitted password (or display name, auto-register) keeps the stored one. */
export interface SipCredentialsInput {
  wsUrl: string;
  username: string;
  password?: string;
  domain: string;
  displayName?: string | null;
  autoRegister?: boolean;
}

// ------------------------------------------------------------------ SIP credentials (settings.manage)

/** GET /sip-credentials: every configured agent, never a password (`hasPassword` only). */
export async function fetchSipCredentials(): Promise<SipCredentialsView[]> {
  return (await http.get<{ data: SipCredentialsView[] }>('/sip-credentials')).data;
}

/** PUT /users/:id/sip-credentials: create or replace. 422 password_required on create without one; 409 username_taken. */
export function saveSipCredentials(userId: number, body: SipCredentialsInput): Promise<SipCredentialsView> {
  return http.put<SipCredentialsView>(`/users/${userId}/sip-credentials`, body);
}

/** DELETE /users/:id/sip-credentials: the agent's softphone unregisters. */
export function deleteSipCredentials(userId: number): Promise<void> {
  return http.delete<void>(`/users/${userId}/sip-credentials`);
}

// ------------------------------------------------------------------ dispositions

// GET /call-dispositions (with `all` for the retired ones too) is fetchDispositions in ./telephony.

/** POST /call-dispositions (settings.manage): added at the end. 409 name_taken. */
export function createDisposition(body: { name: string; isDefault?: boolean; requiresNote?: boolean }): Promise<DispositionView> {
  return http.post<DispositionView>('/call-dispositions', body);
}

/** PATCH /call-dispositions/:id: rename, make the default, require a note, retire (`isActive: false`) or restore. */
export function updateDisposition(id: number, body: { name?: string; isDefault?: boolean; requiresNote?: boolean; isActive?: boolean }): Promise<DispositionView> {
  return http.patch<DispositionView>(`/call-dispositions/${id}`, body);
}

/** PUT /call-dispositions/order: every active id once (retired ones may follow). Answers every disposition in the new order. */
export async function reorderDispositions(ids: number[]): Promise<DispositionView[]> {
  return (await http.put<{ data: DispositionView[] }>('/call-dispositions/order', { ids })).data;
}

/**
 * DELETE /call-dispositions/:id: deleted when no call carries it (resolves null), retired otherwise
 * (resolves the retired disposition). The default cannot be deleted (409 default_disposition).
 */
export async function removeDisposition(id: number): Promise<DispositionView | null> {
  return (await http.delete<DispositionView | undefined>(`/call-dispositions/${id}`)) ?? null;
}

// ------------------------------------------------------------------ softphone network (settings.manage)

/** A STUN or TURN server (RTCIceServer), as the tenant's settings keep it. */
export type IceServerInput = IceServer;

/** The tenant's STUN/TURN servers for the softphones (GET /settings → iceServers). */
export async function fetchIceServers(): Promise<IceServerInput[]> {
  return (await http.get<{ iceServers: IceServerInput[] }>('/settings')).iceServers;
}

/** PATCH /settings { iceServers }: every agent's softphone uses them from its next registration. */
export async function saveIceServers(iceServers: IceServerInput[]): Promise<IceServerInput[]> {
  return (await http.patch<{ iceServers: IceServerInput[] }>('/settings', { iceServers })).iceServers;
}
