import { computed, onMounted, reactive, ref, watch } from 'vue';
import { useRoute, useRouter, type LocationQuery } from 'vue-router';
import { ApiError } from '@/api/http';
import { fetchCallAgents, fetchCalls, type CallAgent, type CallListFilters, type CallView } from '@/api/telephony';
import { dispatcher } from '@/realtime/dispatcher';
import { useCallsStore } from '@/stores/calls';
import { useConnectionStore } from '@/stores/connection';
import { useSessionStore } from '@/stores/session';

/** Whose calls: everyone's, the user's own, those of no agent (an unknown extension), or one agent's (their id). */
export type Who = 'all' | 'mine' | 'unassigned' | number;

export interface HistoryFilters {
  /** Anything but 'mine' needs calls.view_all. */
  who: Who;
  direction: '' | CallView['direction'];
  status: '' | CallView['status'];
  dispositionId: number | null;
  /** First and last day (YYYY-MM-DD, both included), in the browser's time zone as every time shown; '' leaves that end open. */
  fromDate: string;
  toDate: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;
const DIRECTIONS = ['inbound', 'outbound'] as const;
const STATUSES = ['ringing', 'in_progress', 'ended', 'closed'] as const;

const one = (v: LocationQuery[string]): string => (Array.isArray(v) ? (v[0] ?? '') : (v ?? ''));

/** Local midnight (the browser's zone) `plusDays` after the day `day` (YYYY-MM-DD): a day may have 23 or 25 hours. */
function localMidnight(day: string, plusDays: number): Date {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + plusDays);
}

/**
 * The call history: pages of GET /calls (newest first) into the calls store, shown together with the calls that
 * events bring while the page is open (a new call appears on top, a call that is wrapped up changes in place).
 * The filters live in the page's address (`?agent=12&from=2026-12-01`), so a filtered list can be shared, and
 * coming back from a call's page finds it as it was.
 */
export function useCallHistory() {
  const calls = useCallsStore();
  const session = useSessionStore();
  const connection = useConnectionStore();
  const route = useRoute();
  const router = useRouter();
  const canViewAll = computed(() => session.can('calls.view_all'));

  function fromAddress(q: LocationQuery): HistoryFilters {
    const agent = one(q.agent);
    const who: Who = !canViewAll.value ? 'mine'
      : agent === 'me' ? 'mine'
        : agent === 'unassigned' ? 'unassigned'
          : /^\d+$/.test(agent) ? Number(agent) : 'all';
    const direction = one(q.direction);
    const status = one(q.status);
    const disposition = one(q.disposition);
    const from = one(q.from);
    const to = one(q.to);
    return {
      who,
      direction: (DIRECTIONS as readonly string[]).includes(direction) ? (direction as HistoryFilters['direction']) : '',
      status: (STATUSES as readonly string[]).includes(status) ? (status as HistoryFilters['status']) : '',
      dispositionId: /^\d+$/.test(disposition) ? Number(disposition) : null,
      fromDate: DAY.test(from) ? from : '',
      toDate: DAY.test(to) ? to : '',
    };
  }

  function toAddress(f: HistoryFilters): Record<string, string> {
    const q: Record<string, string> = {};
    if (canViewAll.value && f.who !== 'all') q.agent = f.who === 'mine' ? 'me' : String(f.who);
    if (f.direction) q.direction = f.direction;
    if (f.status) q.status = f.status;
    if (f.dispositionId !== null) q.disposition = String(f.dispositionId);
    if (f.fromDate) q.from = f.fromDate;
    if (f.toDate) q.to = f.toDate;
    return q;
  }

  const filters = reactive<HistoryFilters>(fromAddress(route.query));
  const agents = ref<CallAgent[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const nextCursor = ref<string | null>(null);
  /** Oldest startedAt loaded so far: older calls in the store (from elsewhere) are not shown until paged in. */
  const floor = ref<string | null>(null);
  const loadedIds = ref(new Set<number>());
  let token = 0;

  /** The days are the user's own, like every time the console shows (the browser's zone). */
  const timezone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const rangeError = computed(() => (filters.fromDate && filters.toDate && filters.fromDate > filters.toDate ? 'The first day is after the last one.' : null));

  const query = computed<CallListFilters>(() => {
    const f = filters;
    const me = session.user?.id;
    return {
      ...(f.who === 'mine' && me !== undefined ? { userId: me } : {}),
      ...(typeof f.who === 'number' ? { userId: f.who } : {}),
      ...(f.who === 'unassigned' ? { unassigned: true } : {}),
      ...(f.direction ? { direction: f.direction } : {}),
      ...(f.status ? { status: f.status } : {}),
      ...(f.dispositionId !== null ? { dispositionId: f.dispositionId } : {}),
      ...(f.fromDate ? { from: localMidnight(f.fromDate, 0).toISOString() } : {}),
      ...(f.toDate ? { to: localMidnight(f.toDate, 1).toISOString() } : {}),
    };
  });

  /** Whether a call (one an event brought, say) belongs in the list as filtered: the server's rules, here. */
  function matches(call: CallView): boolean {
    const q = query.value;
    if (q.userId !== undefined && call.userId !== q.userId) return false;
    if (q.unassigned && call.userId !== null) return false;
    if (q.direction && call.direction !== q.direction) return false;
    if (q.status && call.status !== q.status) return false;
    if (q.dispositionId !== undefined && call.dispositionId !== q.dispositionId) return false;
    const started = Date.parse(call.startedAt);
    if (q.from && started < Date.parse(q.from)) return false;
    if (q.to && started >= Date.parse(q.to)) return false;
    return true;
  }

  async function load(more = false): Promise<void> {
    const mine = ++token;
    if (rangeError.value) {
      loading.value = false;
      return;
    }
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
    rangeError.value
      ? []
      : Object.values(calls.byId)
        .filter((call) => (loadedIds.value.has(call.id) || floor.value === null || call.startedAt >= floor.value) && matches(call))
        .sort((a, b) => b.startedAt.localeCompare(a.startedAt) || b.id - a.id),
  );

  onMounted(async () => {
    void load();
    if (!canViewAll.value) return;
    try {
      agents.value = await fetchCallAgents();
    } catch {
      // The agent picker then offers Everyone, Mine and Unassigned only; the list itself is unaffected.
    }
  });
  watch(query, () => void load(), { deep: true });
  // The filters in the address: replaced, not pushed, so Back leaves the page rather than undoing a filter. Only
  // while this list is the page (not while the router is already leaving for a call's page).
  const here = route.name;
  const same = (a: Record<string, string>, b: Record<string, string>) => JSON.stringify(a) === JSON.stringify(b);
  watch(filters, (f) => {
    if (route.name === here && !same(toAddress(f), toAddress(fromAddress(route.query)))) void router.replace({ query: toAddress(f) });
  }, { deep: true });
  // And the other way: an address that changes under the page (the Calls link in the menu, Back and Forward).
  watch(() => route.query, (q) => {
    if (route.name !== here) return;
    const next = fromAddress(q);
    if (!same(toAddress(next), toAddress(filters))) Object.assign(filters, next);
  });
  watch(
    () => connection.status,
    (status, previous) => {
      if (status === 'live' && previous === 'catching_up') void load();
    },
  );

  return {
    filters,
    agents,
    rows,
    loading,
    error,
    rangeError,
    timezone,
    hasMore: computed(() => nextCursor.value !== null),
    loadMore: () => load(true),
    reload: () => load(),
    canViewAll,
    dispositions: computed(() => calls.dispositions),
  };
}
