import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { useNotificationsStore } from '../../client/stores/notifications.ts';

// The bell's store without a browser: the unread count follows notification:created and notification:read in
// seq order, and a tab's own read coming back as an event changes nothing more.

const item = (id: number, readAt: string | null = null) => ({ id, type: 'test', title: `n${id}`, body: null, data: null, readAt, createdAt: `2026-12-02T10:00:${String(id).padStart(2, '0')}.000Z` });

describe('notifications store', () => {
  beforeEach(() => setActivePinia(createPinia()));

  it('applies a read made in another tab: the items it names, and the count as of that seq', () => {
    const store = useNotificationsStore();
    store.applyPage({ data: [item(3), item(2), item(1)], nextCursor: null, unread: 7 }, 10);
    expect(store.unread).toBe(7);
    store.applyRead({ ids: [2], upToId: null, readAt: '2026-12-02T11:00:00.000Z', unread: 6 }, 12);
    expect(store.items.find((i) => i.id === 2)?.readAt).toBe('2026-12-02T11:00:00.000Z');
    expect(store.items.filter((i) => !i.readAt).map((i) => i.id)).toEqual([3, 1]);
    expect(store.unread).toBe(6);
    // A notification created before that read (seq 11) arriving late is already in its count.
    store.upsert({ id: 4, type: 'test', title: 'n4', body: null, data: null, createdAt: '2026-12-02T10:00:04.000Z' }, 11);
    expect(store.unread).toBe(6);
    // One created after it counts.
    store.upsert({ id: 5, type: 'test', title: 'n5', body: null, data: null, createdAt: '2026-12-02T10:00:05.000Z' }, 13);
    expect(store.unread).toBe(7);
    // An older read event (replayed) marks nothing new and leaves the count.
    store.applyRead({ ids: [2], upToId: null, readAt: '2026-12-02T11:00:00.000Z', unread: 6 }, 12);
    expect(store.unread).toBe(7);
  });

  it('mark all read in another tab reads every item up to upToId; a newer one stays unread', () => {
    const store = useNotificationsStore();
    store.applyPage({ data: [item(3), item(2), item(1, '2026-12-01T00:00:00.000Z')], nextCursor: null, unread: 2 }, 5);
    store.upsert({ id: 9, type: 'test', title: 'n9', body: null, data: null, createdAt: '2026-12-02T10:00:09.000Z' }, 6);
    expect(store.unread).toBe(3);
    store.applyRead({ ids: null, upToId: 3, readAt: '2026-12-02T12:00:00.000Z', unread: 1 }, 7);
    expect(store.items.filter((i) => !i.readAt).map((i) => i.id)).toEqual([9]);
    expect(store.items.find((i) => i.id === 1)?.readAt).toBe('2026-12-01T00:00:00.000Z');
    expect(store.unread).toBe(1);
  });

  it('this tab\'s own read: the local answer takes one off, its event sets the same count again', () => {
    const store = useNotificationsStore();
    store.applyPage({ data: [item(2), item(1)], nextCursor: null, unread: 2 }, 3);
    store.markRead(item(2, '2026-12-02T13:00:00.000Z'));
    expect(store.unread).toBe(1);
    store.applyRead({ ids: [2], upToId: null, readAt: '2026-12-02T13:00:00.000Z', unread: 1 }, 4);
    expect(store.unread).toBe(1);
    expect(store.items.find((i) => i.id === 2)?.readAt).toBe('2026-12-02T13:00:00.000Z');
  });
});
