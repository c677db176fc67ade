import type { PresenceView } from '@shared/realtime';

/**
 * What a tab keeps across a reload, in sessionStorage (per tab, like the access token): the last seq it applied
 * and its own presence as of that seq. After a reload the console asks the server only for what came after.
 */
export interface PersistedRealtime {
  lastSeq: number;
  me: PresenceView | null;
  meSeq: number;
}

const key = (tenantId: number, userId: number) => `cc.realtime.t${tenantId}.u${userId}`;

export function loadPersisted(tenantId: number, userId: number): PersistedRealtime | null {
  try {
    const raw = window.sessionStorage.getItem(key(tenantId, userId));
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<PersistedRealtime>;
    if (typeof parsed.lastSeq !== 'number' || parsed.lastSeq < 0) return null;
    return { lastSeq: parsed.lastSeq, me: parsed.me ?? null, meSeq: typeof parsed.meSeq === 'number' ? parsed.meSeq : -1 };
  } catch {
    return null;
  }
}

export function savePersisted(tenantId: number, userId: number, value: PersistedRealtime): void {
  try {
    window.sessionStorage.setItem(key(tenantId, userId), JSON.stringify(value));
  } catch {
    // Storage full or disabled: a reload then starts with a full resync, which is only slower.
  }
}

export function clearPersisted(tenantId: number, userId: number): void {
  try {
    window.sessionStorage.removeItem(key(tenantId, userId));
  } catch {
    /* see savePersisted */
  }
}
