import { fetchNotifications } from '@/api/notifications';
import { fetchPresence, fetchPresenceReasons } from '@/api/presence';
import { useContactsStore } from '@/stores/contacts';
import { useLeadsStore } from '@/stores/leads';
import { useNotificationsStore } from '@/stores/notifications';
import { usePresenceStore } from '@/stores/presence';
import { useSessionStore } from '@/stores/session';
import { dispatcher } from './dispatcher';

/**
 * REST loads of the state that events then keep current. Each snapshot is stamped with the seq the console had
 * applied when the request went out, so that events which arrive while it is in flight are not undone by it.
 */

let agentsInFlight: Promise<void> | null = null;

/** GET /presence into the presence store (holders of dashboard.view), as of `stamp`. Always a fresh request. */
export function loadAgents(stamp = dispatcher.stamp()): Promise<void> {
  const presence = usePresenceStore();
  const load = fetchPresence()
    .then((list) => presence.applySnapshot(list, stamp))
    .finally(() => {
      if (agentsInFlight === load) agentsInFlight = null;
    });
  agentsInFlight = load;
  return load;
}

/** Loads the agents unless they are loaded (events keep them current from then on) or a load is under way. */
export function ensureAgents(): Promise<void> {
  if (usePresenceStore().agentsLoaded) return Promise.resolve();
  return agentsInFlight ?? loadAgents();
}

/** GET /presence-reasons into the presence store. */
export async function loadReasons(): Promise<void> {
  usePresenceStore().setReasons(await fetchPresenceReasons());
}

/** GET /notifications (the newest page) into the notifications store. */
export async function loadNotifications(): Promise<void> {
  const stamp = dispatcher.stamp();
  useNotificationsStore().applyPage(await fetchNotifications(), stamp);
}

/**
 * The catch-up could not replay what was missed (the log was trimmed past it, or this tab starts fresh):
 * reload, over REST, every store that events keep live, as of `seq`.
 */
export async function reloadStores(seq: number, options: { profile: boolean }): Promise<void> {
  const presence = usePresenceStore();
  const session = useSessionStore();
  const loads: Promise<unknown>[] = [loadReasons()];
  if (presence.agentsLoaded || session.can('dashboard.view')) loads.push(loadAgents(seq));
  if (options.profile) loads.push(session.loadProfile());
  if (useNotificationsStore().loaded) loads.push(loadNotifications());
  await Promise.all(loads);
  // The pipeline's pages (board, list, a lead and its timeline) and the contacts list reload what they show as
  // of now; events after `seq` are released once this resolves and the version and seq guards order the two.
  useLeadsStore().invalidate();
  useContactsStore().invalidate();
}
