import { computed, ref, watch, type Ref } from 'vue';
import { fetchLeads, fetchMyFollowups, type LeadListFilters, type LeadView, type Page } from '@/api/leads';
import { dispatcher } from '@/realtime/dispatcher';
import { useLeadsStore } from '@/stores/leads';
import { useSessionStore } from '@/stores/session';
import { useCursorPager } from './useCursorPager';

const PAGE = 50;

/**
 * A cursor-paged list of leads whose rows stay live: the pages give the ids and their order, the store gives each
 * row's current data (lead:* events), and a deleted lead leaves the list.
 */
function usePagedLeads(fetchPage: (cursor: string | null) => Promise<Page<LeadView>>, reloadOn: () => unknown) {
  const store = useLeadsStore();
  const ids = ref<number[]>([]);
  const createdAtLoad = ref(store.createdTick);
  const pager = useCursorPager<LeadView, number>({
    fetchPage,
    reloadOn,
    noun: 'leads',
    begin: () => dispatcher.stamp(),
    take(page, append, stamp) {
      store.upsertMany(page, stamp);
      if (!append) {
        ids.value = page.map((lead) => lead.id);
        createdAtLoad.value = store.createdTick;
        return;
      }
      const known = new Set(ids.value);
      ids.value = [...ids.value, ...page.map((lead) => lead.id).filter((id) => !known.has(id))];
    },
  });
  watch(
    () => store.staleEpoch,
    () => void pager.load(),
  );

  const rows = computed(() => ids.value.filter((id) => !store.deleted[id]).map((id) => store.byId[id]).filter((lead): lead is LeadView => !!lead));
  /** Leads created since this list was read (they may or may not match its filters). */
  const createdSince = computed(() => store.createdTick - createdAtLoad.value);

  return { rows, ids, ...pager, createdSince };
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
