import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DomainEvents } from '@shared/realtime';

export type AppNotification = DomainEvents['notification:created'];
export type SystemNotice = DomainEvents['system:notice'] & { eventId: string; at: string };

const KEEP = 50;

/** Notifications for the signed-in user and system notices, newest first. Upserts by id. */
export const useNotificationsStore = defineStore('notifications', () => {
  const items = ref<AppNotification[]>([]);
  const notices = ref<SystemNotice[]>([]);

  function upsert(notification: AppNotification): void {
    const index = items.value.findIndex((item) => item.id === notification.id);
    if (index >= 0) items.value.splice(index, 1, notification);
    else items.value.unshift(notification);
    items.value.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
    if (items.value.length > KEEP) items.value.length = KEEP;
  }

  function addNotice(notice: SystemNotice): void {
    if (notices.value.some((existing) => existing.eventId === notice.eventId)) return;
    notices.value.unshift(notice);
    if (notices.value.length > KEEP) notices.value.length = KEEP;
  }

  function reset(): void {
    items.value = [];
    notices.value = [];
  }

  return { items, notices, upsert, addNotice, reset };
});
