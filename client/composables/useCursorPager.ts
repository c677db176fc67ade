import { onUnmounted, ref, watch, type WatchSource } from 'vue';
import { ApiError } from '@/api/http';
import type { Page } from '@shared/schemas/common';

/**
 * The paging of a cursor-paged list: the first page re-read whenever `reloadOn` changes (answers to an older read,
 * e.g. while the user keeps typing, are dropped), `more()` for the next page, and the loading and error states.
 * The caller keeps the rows: `take` gets each page, with `append` false for a first page. `begin` runs just before
 * each read and its result reaches `take` (the realtime stamp of a store that must not let a page overwrite newer
 * events).
 */
export function useCursorPager<T, S = undefined>(options: {
  fetchPage: (cursor: string | null) => Promise<Page<T>>;
  reloadOn: WatchSource;
  take: (rows: T[], append: boolean, started: S) => void;
  begin?: () => S;
  /** What the list holds, for the error messages ("The leads could not be loaded."). */
  noun: string;
}) {
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadingMore = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let token = 0;
  let alive = true;

  async function load(): Promise<void> {
    const mine = (token += 1);
    const started = options.begin?.() as S;
    loading.value = true;
    error.value = null;
    try {
      const page = await options.fetchPage(null);
      if (mine !== token || !alive) return;
      options.take(page.data, false, started);
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } catch (failure) {
      if (mine === token) error.value = failure instanceof ApiError ? failure.message : `The ${options.noun} could not be loaded.`;
    } finally {
      if (mine === token) loading.value = false;
    }
  }

  async function more(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || loadingMore.value) return;
    const mine = token;
    const started = options.begin?.() as S;
    loadingMore.value = true;
    try {
      const page = await options.fetchPage(cursor);
      if (mine !== token || !alive) return;
      options.take(page.data, true, started);
      nextCursor.value = page.nextCursor;
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : `More ${options.noun} could not be loaded.`;
    } finally {
      loadingMore.value = false;
    }
  }

  watch(options.reloadOn, () => void load(), { immediate: true });
  onUnmounted(() => {
    alive = false;
  });

  return { nextCursor, loading, loadingMore, loaded, error, load, more };
}
