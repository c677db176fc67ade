import { useCallsStore } from '@/stores/calls';
import { useContactsStore } from '@/stores/contacts';
import { useLeadActivitiesStore } from '@/stores/leadActivities';
import { useLeadsStore } from '@/stores/leads';
import { useNotificationsStore } from '@/stores/notifications';
import { usePresenceStore } from '@/stores/presence';
import { useSessionStore } from '@/stores/session';
import { useViewersStore } from '@/stores/viewers';
import type { EventHandlers } from './dispatcher';

/**
 * The one map from each server event to the store action that handles it. Live events and replayed ones take
 * the same path. Every action is an upsert guarded by seq, so applying an event twice changes nothing.
 */
export function createHandlers(): EventHandlers {
  const presence = usePresenceStore();
  const viewers = useViewersStore();
  const notifications = useNotificationsStore();
  const session = useSessionStore();
  const leads = useLeadsStore();
  const activities = useLeadActivitiesStore();
  const calls = useCallsStore();
  const contacts = useContactsStore();
  const renamedSeq = new Map<number, number>();

  return {
    'presence:changed': (event) => presence.applyPresence(event.data, event.seq),
    'presence-reasons:changed': (event) => presence.setReasons(event.data.reasons),
    'viewers:changed': (event) => viewers.applyEvent(event.data, event.seq),
    'user:created': (event) => presence.applyUser(event.data, event.seq),
    'user:updated': (event) => presence.applyUser(event.data, event.seq),
    'user:renamed': (event) => {
      // Renames of one user are applied in seq order: an older one arriving late changes nothing.
      if (event.seq <= (renamedSeq.get(event.data.id) ?? -1)) return;
      renamedSeq.set(event.data.id, event.seq);
      const { id, name } = event.data;
      presence.renameUser(id, name);
      leads.renameUser(id, name);
      calls.renameUser(id, name);
      viewers.renameUser(id, name);
      activities.renameUser(id, name);
    },
    'permissions:changed': (event) => session.applyRolePermissions(event.data.role, event.data.permissions),
    'notification:created': (event) => notifications.upsert(event.data, event.seq),
    'notification:read': (event) => notifications.applyRead(event.data, event.seq),
    'system:notice': (event) => notifications.addNotice({ ...event.data, eventId: event.id, at: event.at }),
    'lead:created': (event) => leads.applyCreated(event.data.lead, event.seq),
    'lead:updated': (event) => leads.applyUpdated(event.data.lead, event.seq),
    'lead:moved': (event) => leads.applyMoved(event.data.lead, event.data.fromStatusId, event.seq),
    'lead:assigned': (event) => leads.applyAssigned(event.data.lead, event.data.previousAssigneeId, event.seq),
    'lead:deleted': (event) => leads.applyDeleted(event.data.id, event.data.statusId, event.seq),
    'lead:activity': (event) => activities.upsert(event.data),
    'lead-statuses:changed': (event) => leads.applyStatuses(event.data.statuses, event.seq),
    'contact:created': (event) => contacts.applyCreated(event.data, event.seq),
    'contact:updated': (event) => contacts.applyUpdated(event.data, event.seq),
    'call:ringing': (event) => calls.applyRinging(event.data, event.seq),
    'call:answered': (event) => calls.applyEvent(event.data, event.seq),
    'call:ended': (event) => calls.applyEvent(event.data, event.seq),
    'call:closed': (event) => calls.applyEvent(event.data, event.seq),
    'call:recording': (event) => calls.applyRecording(event.data),
    'call-dispositions:changed': (event) => calls.setDispositions(event.data.dispositions, event.seq),
    'sip-credentials:changed': (event) => calls.applyCredentialsChanged(event.data),
  } satisfies EventHandlers;
}
