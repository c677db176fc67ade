// Types only: the zod schemas stay out of the browser bundle.
import type { z } from 'zod';
import type { NotificationView } from '@shared/schemas/leads';
import { http } from './http';

export type NotificationItem = z.infer<typeof NotificationView>;

export interface NotificationPage {
  data: NotificationItem[];
  nextCursor: string | null;
  /** How many of my notifications are unread, in all. */
  unread: number;
}

/** GET /notifications: mine, newest first, with the unread count. */
export function fetchNotifications(cursor: string | null = null, limit = 20): Promise<NotificationPage> {
  return http.get<NotificationPage>('/notifications', { query: { cursor: cursor ?? undefined, limit } });
}

export function markNotificationRead(id: number): Promise<NotificationItem> {
  return http.post<NotificationItem>(`/notifications/${id}/read`);
}

export function markAllNotificationsRead(): Promise<{ updated: number }> {
  return http.post<{ updated: number }>('/notifications/read-all');
}
