import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { DomainEvents } from '@shared/realtime';
import type { NotificationItem, NotificationPage } from '@/api/notifications';

export type AppNotification = DomainEvents['notification:created'];
export type SystemNotice = DomainEvents['system:notice'] & { eventId: string; at: string };

const KEEP = 50;

/**
 * The signed-in user's notifications (the top bar's bell) and system notices, newest first. Upserts by id.
 *
 * The unread count comes from the server with each page, then follows what happens here: a notification:created
 * not in the last page read adds one (it was created after that read: a page holds the newest), marking one read
 * takes one off, and notification:read (a read in any tab of this user) sets it to the server's count. The count
 * remembers the seq it is current as of (`unreadSeq`), so an event older than the page or the last count changes
 * no number twice.
 */
export type NotificationsRead = DomainEvents['notification:read'];

export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<NotificationItem[]>([]);
  const notices = ref<SystemNotice[]>([]);
  const loaded = ref(false);
  const nextCursor = ref<string | null>(null);
  const serverUnread = ref(0);
  /** The seq `serverUnread` is current as of (the page's stamp, or the last notification:read applied). */
  const unreadSeq = ref(-1);

  const unread = computed(() => (loaded.value ? serverUnread.value : items.value.filter((item) => !item.readAt).length));

  function sort(): void {
    items.value.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  }

  /** notification:created (with its seq), or a notification read over REST. */
  function upsert(notification: AppNotification | NotificationItem, seq?: number): void {
    const index = items.value.findIndex((item) => item.id === notification.id);
    if (index >= 0) {
      items.value.splice(index, 1, { ...items.value[index]!, ...notification });
      return;
    }
    const item: NotificationItem = { readAt: null, ...notification };
    items.value.unshift(item);
    if (loaded.value && !item.readAt && (seq === undefined || seq > unreadSeq.value)) serverUnread.value += 1;
    sort();
    if (items.value.length > KEEP) items.value.length = KEEP;
  }

  /** The newest page (GET /notifications), read as of seq `stamp`. Notifications events brought meanwhile that it lacks are newer. */
  function applyPage(page: NotificationPage, stamp = -1): void {
    const inPage = new Set(page.data.map((item) => item.id));
    const newestInPage = page.data.reduce((max, item) => Math.max(max, item.id), 0);
    const newer = items.value.filter((item) => !inPage.has(item.id) && item.id > newestInPage);
    items.value = [...page.data, ...newer];
    sort();
    serverUnread.value = page.unread + newer.filter((item) => !item.readAt).length;
    unreadSeq.value = stamp;
    nextCursor.value = page.nextCursor;
    loaded.value = true;
  }

  function appendPage(page: NotificationPage): void {
    const known = new Set(items.value.map((item) => item.id));
    items.value.push(...page.data.filter((item) => !known.has(item.id)));
    sort();
    nextCursor.value = page.nextCursor;
  }

  function markRead(item: NotificationItem): void {
    const existing = items.value.find((candidate) => candidate.id === item.id);
    if (existing && !existing.readAt) serverUnread.value = Math.max(0, serverUnread.value - 1);
    if (existing) Object.assign(existing, item);
  }

  function markAllRead(at: string): void {
    for (const item of items.value) item.readAt ??= at;
    serverUnread.value = 0;
  }

  /** notification:read: what a tab of this user read (this one's own reads come back too, and change nothing more). */
  function applyRead(read: NotificationsRead, seq: number): void {
    const ids = read.ids ? new Set(read.ids) : null;
    for (const item of items.value) {
      const hit = ids ? ids.has(item.id) : read.upToId !== null && item.id <= read.upToId;
      if (hit) item.readAt ??= read.readAt;
    }
    if (seq > unreadSeq.value) {
      serverUnread.value = read.unread;
      unreadSeq.value = seq;
    }
  }

  function addNotice(notice: SystemNotice): void {
    if (notices.value.some((existing) => existing.eventId === notice.eventId)) return;
    notices.value.unshift(notice);
    if (notices.value.length > KEEP) notices.value.length = KEEP;
  }

  function reset(): void {
    items.value = [];
    notices.value = [];
    loaded.value = false;
    nextCursor.value = null;
    serverUnread.value = 0;
    unreadSeq.value = -1;
  }

  return { items, notices, loaded, nextCursor, unread, upsert, applyPage, appendPage, markRead, markAllRead, applyRead, addNotice, reset };
});
