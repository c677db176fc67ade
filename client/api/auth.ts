// Types only: the zod schemas themselves stay out of the browser bundle.
import type { LoginResponse, MeResponse, SessionUser } from '@shared/schemas/auth';
import { http, refreshSession } from './http';

export type { TokenPair } from './tokens';
export type { LoginResponse, MeResponse, SessionUser };
/** The signed-in user's tenant as /me returns it (`timezone` is an IANA zone). */
export type SessionTenant = MeResponse['tenant'];

/** POST /auth/login. Does not store anything: the session store does. 401 invalid_credentials, 429 too_many_attempts. */
export function login(email: string, password: string): Promise<LoginResponse> {
  return http.post<LoginResponse>('/auth/login', { email, password });
}

/**
 * POST /auth/refresh with the stored refresh token, storing the rotated pair. Single-flight, shared with the
 * automatic refresh of http.ts. Resolves false when the server refused it (the session has then ended).
 */
export function refresh(): Promise<boolean> {
  return refreshSession();
}

/** POST /auth/logout: revokes the refresh token on the server (bearer required). 204. */
export function logout(refreshToken: string): Promise<void> {
  return http.post<void>('/auth/logout', { refreshToken });
}

/** GET /me: the user, their tenant and their permissions. */
export function me(): Promise<MeResponse> {
  return http.get<MeResponse>('/me');
}
