import { computed, ref } from 'vue';
import { ApiError } from '@/api/http';
import { fetchNotifications, markAllNotificationsRead, markNotificationRead, type NotificationItem } from '@/api/notifications';
import { loadNotifications } from '@/realtime/loaders';
import { useNotificationsStore } from '@/stores/notifications';

/** The bell: my notifications (kept live by notification:created), reading them and marking them read. */
export function useNotifications() {
  const store = useNotificationsStore();
  const loading = ref(false);
  const error = ref<string | null>(null);

  async function refresh(): Promise<void> {
    loading.value = true;
    error.value = null;
    try {
      await loadNotifications();
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : 'Notifications could not be loaded.';
    } finally {
      loading.value = false;
    }
  }

  async function more(): Promise<void> {
    if (!store.nextCursor || loading.value) return;
    loading.value = true;
    try {
      store.appendPage(await fetchNotifications(store.nextCursor));
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : 'Notifications could not be loaded.';
    } finally {
      loading.value = false;
    }
  }

  async function markRead(item: NotificationItem): Promise<void> {
    if (item.readAt) return;
    try {
      store.markRead(await markNotificationRead(item.id));
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : 'The notification could not be marked read.';
    }
  }

  async function markAllRead(): Promise<void> {
    try {
      await markAllNotificationsRead();
      store.markAllRead(new Date().toISOString());
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : 'Notifications could not be marked read.';
    }
  }

  return {
    items: computed(() => store.items),
    unread: computed(() => store.unread),
    hasMore: computed(() => !!store.nextCursor),
    loaded: computed(() => store.loaded),
    loading,
    error,
    refresh,
    more,
    markRead,
    markAllRead,
  };
}
