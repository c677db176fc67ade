/**
 * Where the console keeps its tokens.
 *
 * - The access token lives in memory and in sessionStorage: per tab, survives a reload, gone when the tab closes.
 * - The refresh token lives in localStorage: shared by every tab, so a reload or a new tab keeps the session.
 *   It is read from storage on every use (never cached), because another tab may have rotated it.
 */

const ACCESS_KEY = 'cc.accessToken';
const REFRESH_KEY = 'cc.refreshToken';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

// Storage can throw (disabled cookies, some private modes); the console then works for this page view only.
function read(storage: () => Storage, key: string): string | null {
  try {
    return storage().getItem(key);
  } catch {
    return null;
  }
}

function write(storage: () => Storage, key: string, value: string | null): void {
  try {
    if (value === null) storage().removeItem(key);
    else storage().setItem(key, value);
  } catch {
    /* see read() */
  }
}

const session = () => window.sessionStorage;
const local = () => window.localStorage;

let accessToken: string | null = read(session, ACCESS_KEY);
let memoryRefreshToken: string | null = null;

export const tokens = {
  get access(): string | null {
    return accessToken;
  },
  get refresh(): string | null {
    return read(local, REFRESH_KEY) ?? memoryRefreshToken;
  },
  set(pair: TokenPair): void {
    accessToken = pair.accessToken;
    memoryRefreshToken = pair.refreshToken;
    write(session, ACCESS_KEY, pair.accessToken);
    write(local, REFRESH_KEY, pair.refreshToken);
  },
  clear(): void {
    accessToken = null;
    memoryRefreshToken = null;
    write(session, ACCESS_KEY, null);
    write(local, REFRESH_KEY, null);
  },
};

/**
 * Calls `handler` when another tab removes the refresh token (it signed out, or its refresh was refused).
 * `storage` events never fire in the tab that made the change. Returns an unsubscribe function.
 */
export function onRefreshTokenRemovedElsewhere(handler: () => void): () => void {
  const listener = (event: StorageEvent) => {
    if (event.storageArea !== window.localStorage) return;
    // key === null means localStorage.clear() in the other tab.
    if ((event.key === REFRESH_KEY || event.key === null) && !read(local, REFRESH_KEY)) {
      accessToken = null;
      memoryRefreshToken = null;
      write(session, ACCESS_KEY, null);
      handler();
    }
  };
  window.addEventListener('storage', listener);
  return () => window.removeEventListener('storage', listener);
}
