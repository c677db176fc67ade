import { computed, onUnmounted, ref, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { ApiError } from '@/api/http';
import { addNote, assignLead, deleteLead, fetchActivities, fetchLead, updateLead, type LeadFields, type LeadView } from '@/api/leads';
import { dispatcher } from '@/realtime/dispatcher';
import { useLeadActivitiesStore } from '@/stores/leadActivities';
import { useLeadsStore } from '@/stores/leads';
import { useViewersStore, viewerKey } from '@/stores/viewers';

/** What a change of the lead answered: null when it was saved, else why not (in words). */
export type SaveResult = string | null;

const reason = (error: unknown) => (error instanceof ApiError ? error.message : 'The server could not be reached. Try again.');

/**
 * One lead's page: the lead (kept current by lead:* events through the store), its timeline (kept current by
 * lead:activity, which reaches the viewers of the lead: the page's useViewing joins that room) and the changes
 * made from it, each sent with the version the user saw.
 */
export function useLeadDetail(leadId: MaybeRefOrGetter<number | null>) {
  const store = useLeadsStore();
  const activities = useLeadActivitiesStore();
  const viewers = useViewersStore();
  const loading = ref(false);
  const error = ref<string | null>(null);
  const notFound = ref(false);
  const loadingOlder = ref(false);
  /** A change lost to someone else's (409): the page says so until the next change. */
  const conflict = ref<string | null>(null);

  const id = computed(() => toValue(leadId));
  const lead = computed<LeadView | null>(() => (id.value === null ? null : (store.byId[id.value] ?? null)));
  const deleted = computed(() => id.value !== null && !!store.deleted[id.value]);
  const timeline = computed(() => (id.value === null ? null : (activities.byLead[id.value] ?? null)));

  async function load(target: number): Promise<void> {
    const stamp = dispatcher.stamp();
    activities.open(target);
    loading.value = true;
    error.value = null;
    try {
      const [fresh, page] = await Promise.all([fetchLead(target), fetchActivities(target)]);
      if (id.value !== target) return;
      store.upsert(fresh, stamp);
      activities.applyFirstPage(target, page);
      notFound.value = false;
    } catch (failure) {
      if (id.value !== target) return;
      if (failure instanceof ApiError && failure.status === 404) notFound.value = true;
      else error.value = reason(failure);
    } finally {
      if (id.value === target) loading.value = false;
    }
  }

  /** The newest page of the timeline again (merged: nothing already shown goes away). */
  async function refreshTimeline(target: number): Promise<void> {
    try {
      const page = await fetchActivities(target);
      if (id.value === target) activities.applyFirstPage(target, page);
    } catch {
      // The timeline stays as it is; events keep coming.
    }
  }

  watch(
    id,
    (next, previous) => {
      if (previous !== undefined && previous !== null) activities.forget(previous);
      conflict.value = null;
      notFound.value = false;
      if (next !== null) void load(next);
    },
    { immediate: true },
  );
  // A resync (or a bulk change of statuses): read the lead and its timeline again.
  watch(
    () => store.staleEpoch,
    () => {
      if (id.value !== null) void load(id.value);
    },
  );
  // The lead's room is joined once the viewers snapshot arrives: an entry written between the first read and the
  // join reached no one here, so read the newest page once more.
  watch(
    () => id.value !== null && viewers.byEntity[viewerKey('lead', id.value)] !== undefined,
    (joined) => {
      if (joined && id.value !== null) void refreshTimeline(id.value);
    },
  );
  onUnmounted(() => {
    if (id.value !== null) activities.forget(id.value);
  });

  async function loadOlder(): Promise<void> {
    const target = id.value;
    const cursor = timeline.value?.nextCursor;
    if (target === null || !cursor || loadingOlder.value) return;
    loadingOlder.value = true;
    try {
      const page = await fetchActivities(target, cursor);
      if (id.value === target) activities.applyOlderPage(target, page);
    } catch (failure) {
      error.value = reason(failure);
    } finally {
      loadingOlder.value = false;
    }
  }

  /** A change was refused: 409 refreshes the lead with the server's, 404 marks it deleted. */
  function settleFailure(failure: unknown, target: number, stamp: number): string {
    if (failure instanceof ApiError && failure.status === 409 && failure.code === 'stale_version') {
      const current = (failure.details as { current?: LeadView } | undefined)?.current;
      if (current) store.upsert(current, stamp);
      conflict.value = 'Someone else changed this lead meanwhile, so your change was not saved. The page shows the current values; make your change again if it still applies.';
      return 'Not saved: someone else changed this lead first.';
    }
    if (failure instanceof ApiError && failure.status === 404) {
      store.applyDeleted(target, null, stamp);
      return 'This lead no longer exists.';
    }
    return reason(failure);
  }

  /** PATCH with the version the user started editing from. */
  async function save(changes: Partial<LeadFields>, version: number): Promise<SaveResult> {
    const target = id.value;
    if (target === null) return 'No lead.';
    const stamp = dispatcher.stamp();
    try {
      store.upsert(await updateLead(target, changes, version), stamp);
      conflict.value = null;
      return null;
    } catch (failure) {
      return settleFailure(failure, target, stamp);
    }
  }

  async function assign(userId: number | null, version: number): Promise<SaveResult> {
    const target = id.value;
    if (target === null) return 'No lead.';
    const stamp = dispatcher.stamp();
    try {
      store.upsert(await assignLead(target, userId, version), stamp);
      conflict.value = null;
      return null;
    } catch (failure) {
      return settleFailure(failure, target, stamp);
    }
  }

  async function note(text: string): Promise<SaveResult> {
    const target = id.value;
    if (target === null) return 'No lead.';
    try {
      activities.upsert(await addNote(target, text));
      return null;
    } catch (failure) {
      return settleFailure(failure, target, dispatcher.stamp());
    }
  }

  async function remove(): Promise<SaveResult> {
    const target = id.value;
    if (target === null) return 'No lead.';
    const stamp = dispatcher.stamp();
    try {
      await deleteLead(target);
      store.applyDeleted(target, lead.value?.statusId ?? null, stamp);
      return null;
    } catch (failure) {
      return settleFailure(failure, target, stamp);
    }
  }

  return { lead, deleted, timeline, loading, loadingOlder, error, notFound, conflict, reload: () => id.value !== null && load(id.value), loadOlder, save, assign, note, remove };
}
