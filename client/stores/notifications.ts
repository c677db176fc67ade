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
 * takes one off. Opening the bell reads the page again, which also picks up what another tab marked read.
 */
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<NotificationItem[]>([]);
  const notices = ref<SystemNotice[]>([]);
  const loaded = ref(false);
  const nextCursor = ref<string | null>(null);
  const serverUnread = ref(0);

  const unread = computed(() => (loaded.value ? serverUnread.value : items.value.filter((item) => !item.readAt).length));

  function sort(): void {
    items.value.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id - a.id);
  }

  /** notification:created. */
  function upsert(notification: AppNotification | NotificationItem): void {
    const index = items.value.findIndex((item) => item.id === notification.id);
    if (index >= 0) {
      items.value.splice(index, 1, { ...items.value[index]!, ...notification });
      return;
    }
    const item: NotificationItem = { readAt: null, ...notification };
    items.value.unshift(item);
    if (loaded.value && !item.readAt) serverUnread.value += 1;
    sort();
    if (items.value.length > KEEP) items.value.length = KEEP;
  }

  /** The newest page (GET /notifications). Notifications events brought meanwhile that it lacks are newer. */
  function applyPage(page: NotificationPage): void {
    const inPage = new Set(page.data.map((item) => item.id));
    const newestInPage = page.data.reduce((max, item) => Math.max(max, item.id), 0);
    const newer = items.value.filter((item) => !inPage.has(item.id) && item.id > newestInPage);
    items.value = [...page.data, ...newer];
    sort();
    serverUnread.value = page.unread + newer.filter((item) => !item.readAt).length;
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
  }

  return { items, notices, loaded, nextCursor, unread, upsert, applyPage, appendPage, markRead, markAllRead, addNotice, reset };
});
