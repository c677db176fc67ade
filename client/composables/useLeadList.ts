import { computed, onUnmounted, ref, watch, type Ref } from 'vue';
import { ApiError } from '@/api/http';
import { fetchLeads, fetchMyFollowups, type LeadListFilters, type LeadView, type Page } from '@/api/leads';
import { dispatcher } from '@/realtime/dispatcher';
import { useLeadsStore } from '@/stores/leads';
import { useSessionStore } from '@/stores/session';

const PAGE = 50;

/**
 * A cursor-paged list of leads whose rows stay live: the pages give the ids and their order, the store gives each
 * row's current data (lead:* events), and a deleted lead leaves the list.
 */
function usePagedLeads(fetchPage: (cursor: string | null) => Promise<Page<LeadView>>, reloadOn: () => unknown) {
  const store = useLeadsStore();
  const ids = ref<number[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadingMore = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const createdAtLoad = ref(store.createdTick);
  let token = 0;
  let alive = true;

  async function load(): Promise<void> {
    const mine = (token += 1);
    const stamp = dispatcher.stamp();
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchPage(null);
      if (mine !== token || !alive) return;
      store.upsertMany(page.data, stamp);
      ids.value = page.data.map((lead) => lead.id);
      nextCursor.value = page.nextCursor;
      createdAtLoad.value = store.createdTick;
      loaded.value = true;
    } catch (failure) {
      if (mine === token) error.value = failure instanceof ApiError ? failure.message : 'The leads could not be loaded.';
    } finally {
      if (mine === token) loading.value = false;
    }
  }

  async function more(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || loadingMore.value) return;
    const mine = token;
    const stamp = dispatcher.stamp();
    loadingMore.value = true;
    try {
      const page = await fetchPage(cursor);
      if (mine !== token || !alive) return;
      store.upsertMany(page.data, stamp);
      const known = new Set(ids.value);
      ids.value = [...ids.value, ...page.data.map((lead) => lead.id).filter((id) => !known.has(id))];
      nextCursor.value = page.nextCursor;
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : 'More leads could not be loaded.';
    } finally {
      loadingMore.value = false;
    }
  }

  watch(reloadOn, () => void load(), { immediate: true });
  watch(
    () => store.staleEpoch,
    () => void load(),
  );
  onUnmounted(() => {
    alive = false;
  });

  const rows = computed(() => ids.value.filter((id) => !store.deleted[id]).map((id) => store.byId[id]).filter((lead): lead is LeadView => !!lead));
  /** Leads created since this list was read (they may or may not match its filters). */
  const createdSince = computed(() => store.createdTick - createdAtLoad.value);

  return { rows, ids, nextCursor, loading, loadingMore, loaded, error, createdSince, load, more };
}

/** GET /leads with the given filters (re-read whenever they change). */
export function useLeadList(filters: Ref<LeadListFilters>) {
  return usePagedLeads((cursor) => fetchLeads(filters.value, cursor, PAGE), () => JSON.stringify(filters.value));
}

/**
 * GET /leads/my-followups?includeOverdue=true. Besides the pages read, any lead the console holds that is now
 * mine, open and due (up to the last loaded one while more pages remain) shows: a follow-up set or a lead assigned
 * to me elsewhere appears without a reload, and one done, closed or handed over leaves.
 */
export function useMyFollowups() {
  const store = useLeadsStore();
  const session = useSessionStore();
  const paged = usePagedLeads((cursor) => fetchMyFollowups(cursor, PAGE), () => session.user?.id);

  const key = (lead: LeadView) => [Date.parse(lead.nextFollowupAt!), lead.id] as const;
  const before = (a: readonly [number, number], b: readonly [number, number]) => a[0] < b[0] || (a[0] === b[0] && a[1] <= b[1]);

  const rows = computed(() => {
    const me = session.user?.id;
    if (!paged.loaded.value || me === undefined) return [];
    const loaded = paged.ids.value.map((id) => store.byId[id]).filter((lead): lead is LeadView => !!lead && !!lead.nextFollowupAt);
    const last = paged.nextCursor.value && loaded.length ? key(loaded[loaded.length - 1]!) : null;
    return Object.values(store.byId)
      .filter((lead) => !store.deleted[lead.id] && lead.assignedToId === me && lead.nextFollowupAt && !store.statusById.get(lead.statusId)?.isClosed)
      .filter((lead) => last === null || before(key(lead), last))
      .sort((a, b) => Date.parse(a.nextFollowupAt!) - Date.parse(b.nextFollowupAt!) || a.id - b.id);
  });

  return { ...paged, rows };
}
