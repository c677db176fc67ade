import { computed, onMounted, onUnmounted, ref, watch } from 'vue';
import { ApiError } from '@/api/http';
import { fetchBoard, fetchColumn, fetchStatuses } from '@/api/leads';
import { dispatcher } from '@/realtime/dispatcher';
import { useConnectionStore } from '@/stores/connection';
import { useLeadsStore } from '@/stores/leads';

const PER_COLUMN = 20;

const explain = (error: unknown, what: string) => (error instanceof ApiError ? error.message : `${what} could not be loaded.`);

/**
 * The kanban board: the snapshot over REST (GET /leads/board), each column's next pages, and the events that keep
 * it current (through the leads store). Reloads when the store says what it holds may be stale (after a resync,
 * or when statuses were deleted or closed).
 */
export function useLeadsBoard() {
  const store = useLeadsStore();
  const connection = useConnectionStore();
  const loading = ref(false);
  const error = ref<string | null>(null);
  const columnErrors = ref<Record<number, string>>({});
  const loadingColumns = ref(new Set<number>());
  let mounted = true;
  let latest = 0;

  async function load(assignedToId: number | null = store.board.assignedToId): Promise<void> {
    const stamp = dispatcher.stamp();
    const token = store.beginBoardLoad();
    latest = token;
    loading.value = true;
    error.value = null;
    try {
      const columns = await fetchBoard({ perColumn: PER_COLUMN, assignedToId });
      const raced = store.applyBoard(token, columns, stamp, assignedToId);
      // Leads created or moved while the snapshot was in flight may or may not be in its counts: read them again.
      if (raced && assignedToId === null && mounted) store.applyCounts(await fetchStatuses(true));
    } catch (failure) {
      if (token === latest) error.value = explain(failure, 'The board');
    } finally {
      if (token === latest) loading.value = false;
    }
  }

  async function loadMore(statusId: number): Promise<void> {
    const cursor = store.board.cursors[statusId];
    if (!cursor || loadingColumns.value.has(statusId)) return;
    loadingColumns.value.add(statusId);
    delete columnErrors.value[statusId];
    const stamp = dispatcher.stamp();
    try {
      const page = await fetchColumn(statusId, { cursor, limit: PER_COLUMN, assignedToId: store.board.assignedToId });
      // The board was reloaded meanwhile (its cursors start over): this page belongs to the old one.
      if (store.board.cursors[statusId] === cursor) store.appendColumn(statusId, page, stamp);
    } catch (failure) {
      columnErrors.value[statusId] = explain(failure, 'More leads');
    } finally {
      loadingColumns.value.delete(statusId);
    }
  }

  function setAssignee(assignedToId: number | null): void {
    if (assignedToId === store.board.assignedToId && store.board.loaded) return;
    void load(assignedToId);
  }

  onMounted(() => void load());
  watch(
    () => store.staleEpoch,
    () => void load(),
  );
  onUnmounted(() => (mounted = false));

  return {
    columns: computed(() => store.boardColumns),
    loaded: computed(() => store.board.loaded),
    assignedToId: computed(() => store.board.assignedToId),
    loading,
    error,
    columnErrors,
    loadingColumns,
    live: computed(() => connection.isLive),
    load: () => load(),
    loadMore,
    setAssignee,
  };
}
