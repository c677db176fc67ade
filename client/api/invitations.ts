import { http } from './http';

export interface InvitationLookup {
  email: string;
  role: string;
  tenantName: string;
  expiresAt: string;
}

/** GET /invitations/lookup: what an invitation token is for (public). */
export function lookupInvitation(token: string): Promise<InvitationLookup> {
  return http.get<InvitationLookup>(`/invitations/lookup?token=${encodeURIComponent(token)}`);
}

/** POST /invitations/accept: creates the user with the chosen name and password (public). */
export function acceptInvitation(token: string, name: string, password: string): Promise<unknown> {
  return http.post('/invitations/accept', { token, name, password });
}
