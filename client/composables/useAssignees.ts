import { computed, onMounted, ref } from 'vue';
import { fetchActiveUsers } from '@/api/users';
import { ensureAgents } from '@/realtime/loaders';
import { usePresenceStore } from '@/stores/presence';
import { useSessionStore } from '@/stores/session';

export interface Assignee {
  id: number;
  name: string;
}

/** Re-read the user list at most this often (it changes rarely; user:* events keep names in the presence store). */
const USERS_MAX_AGE_MS = 60_000;
let usersCache: { at: number; list: Assignee[] } | null = null;

/**
 * The people a lead can be assigned to, from whatever the user may read: GET /users (users.view), else the
 * presence list (dashboard.view). An agent has neither: `source` is then 'none' and the page offers only
 * "assign to me" and "unassign".
 */
export function useAssignees() {
  const session = useSessionStore();
  const presence = usePresenceStore();
  const users = ref<Assignee[]>(usersCache?.list ?? []);
  const error = ref<string | null>(null);

  const source = computed<'users' | 'presence' | 'none'>(() => (session.can('users.view') ? 'users' : session.can('dashboard.view') ? 'presence' : 'none'));

  const list = computed<Assignee[]>(() => {
    const people = source.value === 'users' ? users.value : source.value === 'presence' ? presence.agentList.map((agent) => ({ id: agent.userId, name: agent.name })) : [];
    return [...people].sort((a, b) => a.name.localeCompare(b.name));
  });

  onMounted(async () => {
    try {
      if (source.value === 'users') {
        if (!usersCache || Date.now() - usersCache.at > USERS_MAX_AGE_MS) {
          const fetched = (await fetchActiveUsers()).map((user) => ({ id: user.id, name: user.name }));
          usersCache = { at: Date.now(), list: fetched };
        }
        users.value = usersCache.list;
      } else if (source.value === 'presence') {
        await ensureAgents();
      }
    } catch {
      error.value = 'The list of colleagues could not be loaded.';
    }
  });

  function nameOf(id: number | null): string | null {
    if (id === null) return null;
    if (id === session.user?.id) return session.user.name;
    return list.value.find((person) => person.id === id)?.name ?? null;
  }

  return { list, source, error, nameOf };
}
