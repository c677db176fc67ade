import { useNotificationsStore } from '@/stores/notifications';
import { usePresenceStore } from '@/stores/presence';
import { useSessionStore } from '@/stores/session';
import { useViewersStore } from '@/stores/viewers';
import type { EventHandlers } from './dispatcher';

/**
 * The one map from each server event to the store action that handles it. Live events and replayed ones take
 * the same path. Every action is an upsert guarded by seq, so applying an event twice changes nothing.
 */
const notShownYet = (): void => undefined;

export function createHandlers(): EventHandlers {
  const presence = usePresenceStore();
  const viewers = useViewersStore();
  const notifications = useNotificationsStore();
  const session = useSessionStore();

  return {
    'presence:changed': (event) => presence.applyPresence(event.data, event.seq),
    'presence-reasons:changed': (event) => presence.setReasons(event.data.reasons),
    'viewers:changed': (event) => viewers.applyEvent(event.data, event.seq),
    'user:created': (event) => presence.applyUser(event.data, event.seq),
    'user:updated': (event) => presence.applyUser(event.data, event.seq),
    'permissions:changed': (event) => session.applyRolePermissions(event.data.role, event.data.permissions),
    'notification:created': (event) => notifications.upsert(event.data),
    'system:notice': (event) => notifications.addNotice({ ...event.data, eventId: event.id, at: event.at }),
    // The lead pipeline's store arrives with its UI; until then these events are received (and count for
    // lastSeq) but nothing shows them. Listed one by one so the map stays total.
    'lead:created': notShownYet,
    'lead:updated': notShownYet,
    'lead:moved': notShownYet,
    'lead:assigned': notShownYet,
    'lead:deleted': notShownYet,
    'lead:activity': notShownYet,
    'lead-statuses:changed': notShownYet,
  } satisfies EventHandlers;
}
