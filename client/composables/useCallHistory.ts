import { computed, onMounted, reactive, ref, watch } from 'vue';
import { ApiError } from '@/api/http';
import { fetchCalls, type CallListFilters, type CallView } from '@/api/telephony';
import { dispatcher } from '@/realtime/dispatcher';
import { useCallsStore } from '@/stores/calls';
import { useConnectionStore } from '@/stores/connection';
import { useSessionStore } from '@/stores/session';

export interface HistoryFilters {
  /** 'mine' or 'all' (holders of calls.view_all). */
  scope: 'mine' | 'all';
  direction: '' | CallView['direction'];
  status: '' | CallView['status'];
  dispositionId: number | null;
}

/**
 * The call history: pages of GET /calls (newest first) into the calls store, shown together with the calls that
 * events bring while the page is open (a new call appears on top, a call that is wrapped up changes in place).
 */
export function useCallHistory() {
  const calls = useCallsStore();
  const session = useSessionStore();
  const connection = useConnectionStore();
  const filters = reactive<HistoryFilters>({ scope: session.can('calls.view_all') ? 'all' : 'mine', direction: '', status: '', dispositionId: null });
  const loading = ref(false);
  const error = ref<string | null>(null);
  const nextCursor = ref<string | null>(null);
  /** Oldest startedAt loaded so far: older calls in the store (from elsewhere) are not shown until paged in. */
  const floor = ref<string | null>(null);
  const loadedIds = ref(new Set<number>());
  let token = 0;

  const query = computed<CallListFilters>(() => ({
    ...(filters.scope === 'mine' && session.user ? { userId: session.user.id } : {}),
    ...(filters.direction ? { direction: filters.direction } : {}),
    ...(filters.status ? { status: filters.status } : {}),
    ...(filters.dispositionId !== null ? { dispositionId: filters.dispositionId } : {}),
  }));

  function matches(call: CallView): boolean {
    const q = query.value;
    if (q.userId !== undefined && call.userId !== q.userId) return false;
    if (q.direction && call.direction !== q.direction) return false;
    if (q.status && call.status !== q.status) return false;
    if (q.dispositionId !== undefined && call.dispositionId !== q.dispositionId) return false;
    return true;
  }

  async function load(more = false): Promise<void> {
    const mine = ++token;
    const stamp = dispatcher.stamp();
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchCalls(query.value, more ? nextCursor.value : null, 50);
      if (mine !== token) return;
      calls.applyMany(page.data, stamp);
      if (!more) loadedIds.value = new Set();
      for (const call of page.data) loadedIds.value.add(call.id);
      nextCursor.value = page.nextCursor;
      const oldest = page.data.at(-1)?.startedAt ?? null;
      floor.value = page.nextCursor ? oldest : null;
    } catch (failure) {
      if (mine === token) error.value = failure instanceof ApiError ? failure.message : 'The calls could not be loaded.';
    } finally {
      if (mine === token) loading.value = false;
    }
  }

  const rows = computed(() =>
    Object.values(calls.byId)
      .filter((call) => (loadedIds.value.has(call.id) || floor.value === null || call.startedAt >= floor.value) && matches(call))
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id - a.id),
  );

  onMounted(() => void load());
  watch(query, () => void load(), { deep: true });
  watch(
    () => connection.status,
    (status, previous) => {
      if (status === 'live' && previous === 'catching_up') void load();
    },
  );

  return {
    filters,
    rows,
    loading,
    error,
    hasMore: computed(() => nextCursor.value !== null),
    loadMore: () => load(true),
    reload: () => load(),
    canViewAll: computed(() => session.can('calls.view_all')),
    dispositions: computed(() => calls.dispositions),
  };
}
