import { onUnmounted, ref, shallowRef, watch, type Ref } from 'vue';
import { ApiError } from '@/api/http';
import { fetchContacts, type ContactListFilters, type ContactView } from '@/api/contacts';

const PAGE = 50;

/** GET /contacts with the given filters, cursor-paged; re-read from the first page whenever the filters change. */
export function useContactList(filters: Ref<ContactListFilters>) {
  const rows = shallowRef<ContactView[]>([]);
  const nextCursor = ref<string | null>(null);
  const loading = ref(false);
  const loadingMore = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  // Answers to an older search (the user kept typing) are dropped.
  let token = 0;
  let alive = true;

  async function load(): Promise<void> {
    const mine = (token += 1);
    loading.value = true;
    error.value = null;
    try {
      const page = await fetchContacts(filters.value, null, PAGE);
      if (mine !== token || !alive) return;
      rows.value = page.data;
      nextCursor.value = page.nextCursor;
      loaded.value = true;
    } catch (failure) {
      if (mine === token) error.value = failure instanceof ApiError ? failure.message : 'The contacts could not be loaded.';
    } finally {
      if (mine === token) loading.value = false;
    }
  }

  async function more(): Promise<void> {
    const cursor = nextCursor.value;
    if (!cursor || loadingMore.value) return;
    const mine = token;
    loadingMore.value = true;
    try {
      const page = await fetchContacts(filters.value, cursor, PAGE);
      if (mine !== token || !alive) return;
      const known = new Set(rows.value.map((contact) => contact.id));
      rows.value = [...rows.value, ...page.data.filter((contact) => !known.has(contact.id))];
      nextCursor.value = page.nextCursor;
    } catch (failure) {
      error.value = failure instanceof ApiError ? failure.message : 'More contacts could not be loaded.';
    } finally {
      loadingMore.value = false;
    }
  }

  /** A contact this console just created: shown on top until the next read puts it where it belongs. */
  function prepend(contact: ContactView): void {
    rows.value = [contact, ...rows.value.filter((row) => row.id !== contact.id)];
  }

  watch(() => JSON.stringify(filters.value), () => void load(), { immediate: true });
  onUnmounted(() => {
    alive = false;
  });

  return { rows, nextCursor, loading, loadingMore, loaded, error, load, more, prepend };
}
