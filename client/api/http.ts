import { tokens, type TokenPair } from './tokens';

/** Base path of the versioned REST API; paths given to `request` are relative to it. */
export const API_BASE = '/api/v1';

/** The server's error envelope: `{ error: { code, message, details? } }`. */
export interface ApiErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Every failed call rejects with this. `status` is 0 when the server could not be reached. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly status: number;
  readonly code: string;
  readonly details: unknown;
  /** Seconds from the `Retry-After` header (429, 503), when the server sent one. */
  readonly retryAfterSeconds: number | null;

  constructor(status: number, code: string, message: string, details?: unknown, retryAfterSeconds: number | null = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  get isNetworkError(): boolean {
    return this.status === 0;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestOptions {
  method?: HttpMethod;
  /** Sent as JSON. */
  body?: unknown;
  query?: Record<string, string | number | boolean | null | undefined>;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Why the server refused the refresh token: `token_revoked` when the session was ended on purpose (a password
 * change, a sign-out elsewhere), the account or workspace state when that is the cause, `expired` otherwise.
 * The same words as the socket's fatal refusals, so the login page explains it the same whichever noticed first.
 */
export type SessionEndReason = 'expired' | 'token_revoked' | 'user_inactive' | 'tenant_suspended';
const REFUSAL_REASONS: Record<string, SessionEndReason> = {
  refresh_token_revoked: 'token_revoked',
  user_inactive: 'user_inactive',
  tenant_suspended: 'tenant_suspended',
};
type SessionEndedHandler = (reason: SessionEndReason) => void;
const sessionEndedHandlers = new Set<SessionEndedHandler>();

/** Called when the server refuses the refresh token: the tokens are already cleared; the app must sign out. */
export function onSessionEnded(handler: SessionEndedHandler): () => void {
  sessionEndedHandlers.add(handler);
  return () => sessionEndedHandlers.delete(handler);
}

// Login and refresh never carry a bearer; no /auth/* route triggers a refresh on 401
// (a 401 from login means wrong credentials, from refresh a dead session, from logout nothing worth retrying).
const isAuthRoute = (path: string) => path.startsWith('/auth/');
const sendsBearer = (path: string) => path !== '/auth/login' && path !== '/auth/refresh';

function buildUrl(path: string, query: RequestOptions['query']): string {
  let url = API_BASE + path;
  if (query) {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null) params.append(key, String(value));
    }
    const qs = params.toString();
    if (qs) url += (url.includes('?') ? '&' : '?') + qs;
  }
  return url;
}

function parseRetryAfter(header: string | null): number | null {
  if (!header) return null;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const date = Date.parse(header);
  return Number.isNaN(date) ? null : Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error = (value as { error: unknown }).error;
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string';
}

async function readBody(response: Response): Promise<unknown> {
  if (response.status === 204 || response.status === 205) return undefined;
  const text = await response.text();
  if (!text) return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'invalid_response', 'The server sent a response the console could not read.');
  }
}

async function toApiError(response: Response): Promise<ApiError> {
  const retryAfter = parseRetryAfter(response.headers.get('retry-after'));
  let body: unknown;
  try {
    body = await readBody(response);
  } catch {
    body = undefined;
  }
  if (isErrorBody(body)) {
    const { code, message, details } = body.error;
    return new ApiError(response.status, code, message || response.statusText, details, retryAfter);
  }
  return new ApiError(response.status, `http_${response.status}`, response.statusText || `Request failed (${response.status})`, body, retryAfter);
}

async function send(path: string, options: RequestOptions, serializedBody: string | undefined): Promise<{ response: Response; bearer: string | null }> {
  const bearer = sendsBearer(path) ? tokens.access : null;
  const headers: Record<string, string> = { Accept: 'application/json', ...options.headers };
  if (serializedBody !== undefined) headers['Content-Type'] = 'application/json';
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  try {
    const response = await fetch(buildUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: serializedBody,
      signal: options.signal,
      credentials: 'same-origin',
    });
    return { response, bearer };
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
}

/**
 * The one fetch wrapper of the console: JSON in and out, bearer token, typed errors, and one transparent
 * token refresh (then one retry) when a non-auth route answers 401.
 */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const serializedBody = options.body === undefined ? undefined : JSON.stringify(options.body);
  let { response, bearer } = await send(path, options, serializedBody);

  if (response.status === 401 && !isAuthRoute(path) && tokens.refresh) {
    if (await refreshSession(bearer)) {
      ({ response } = await send(path, options, serializedBody));
    } else {
      throw new ApiError(401, 'session_expired', 'Your session has ended. Please sign in again.');
    }
  }

  if (!response.ok) throw await toApiError(response);
  return (await readBody(response)) as T;
}

export const http = {
  get: <T>(path: string, options?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, { ...options, method: 'GET' }),
  post: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, { ...options, method: 'POST', body }),
  put: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, { ...options, method: 'PUT', body }),
  patch: <T>(path: string, body?: unknown, options?: Omit<RequestOptions, 'method' | 'body'>) => request<T>(path, { ...options, method: 'PATCH', body }),
  delete: <T = void>(path: string, options?: Omit<RequestOptions, 'method'>) => request<T>(path, { ...options, method: 'DELETE' }),
};

let refreshInFlight: Promise<boolean> | null = null;

/**
 * Trades the stored refresh token for a new pair (the server rotates it, so the new one is always kept).
 * Resolves true when a new access token is in place, false when the server refused (the session is over:
 * tokens cleared, `onSessionEnded` handlers called). Network and server errors reject and keep the tokens,
 * so a blip does not sign anyone out.
 *
 * `staleAccessToken` is the bearer a request failed with. Two races are handled here:
 * - Several requests fail with 401 at once: they all join the single refresh already in flight, because
 *   rotation makes a second refresh with the same token fail (and may revoke the whole session).
 * - A request that was sent with the old token gets its 401 *after* that refresh finished: the token has
 *   already changed, so it just retries with the new one instead of refreshing again.
 */
export function refreshSession(staleAccessToken?: string | null): Promise<boolean> {
  if (staleAccessToken && tokens.access && tokens.access !== staleAccessToken) return Promise.resolve(true);
  refreshInFlight ??= withCrossTabLock(rotateTokens).finally(() => {
    refreshInFlight = null;
  });
  return refreshInFlight;
}

// Tabs share the refresh token through localStorage. Without this lock, two tabs whose access tokens expire
// together would both present the same refresh token and the second would be refused. Under the lock, each
// tab reads the token only once it holds the lock, so it sees the one the previous tab just stored.
async function withCrossTabLock<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    // The lock is held until the promise returned by the callback settles.
    return (await navigator.locks.request('cc.auth.refresh', task)) as T;
  }
  return task();
}

async function rotateTokens(): Promise<boolean> {
  const refreshToken = tokens.refresh;
  if (!refreshToken) {
    endSession();
    return false;
  }
  try {
    const pair = await request<TokenPair>('/auth/refresh', { method: 'POST', body: { refreshToken } });
    tokens.set(pair);
    return true;
  } catch (error) {
    const refused = error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 408 && error.status !== 429;
    if (!refused) throw error;
    endSession(REFUSAL_REASONS[error.code] ?? 'expired');
    return false;
  }
}

function endSession(reason: SessionEndReason = 'expired'): void {
  tokens.clear();
  for (const handler of sessionEndedHandlers) handler(reason);
}
