import { computed, onMounted, ref } from 'vue';
import { fetchAssignees } from '@/api/users';
import { useSessionStore } from '@/stores/session';

export interface Assignee {
  id: number;
  name: string;
}

/** Re-read the user list at most this often (it changes rarely; user:* events keep names in the presence store). */
const USERS_MAX_AGE_MS = 60_000;
let usersCache: { at: number; list: Assignee[] } | null = null;

/**
 * The people a lead can be assigned to: GET /leads/assignees for anyone who may change leads. Without
 * leads.manage there is nothing to assign, and `source` is 'none'.
 */
export function useAssignees() {
  const session = useSessionStore();
  const users = ref<Assignee[]>(usersCache?.list ?? []);
  const error = ref<string | null>(null);

  const source = computed<'users' | 'none'>(() => (session.can('leads.manage') ? 'users' : 'none'));
  const list = computed<Assignee[]>(() => (source.value === 'users' ? users.value : []));

  onMounted(async () => {
    if (source.value !== 'users') return;
    try {
      if (!usersCache || Date.now() - usersCache.at > USERS_MAX_AGE_MS) usersCache = { at: Date.now(), list: await fetchAssignees() };
      users.value = usersCache.list;
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
