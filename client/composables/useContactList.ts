import { computed, onUnmounted, ref, watch, type Ref } from 'vue';
import { fetchContacts, type ContactListFilters, type ContactView } from '@/api/contacts';
import { dispatcher } from '@/realtime/dispatcher';
import { useContactsStore } from '@/stores/contacts';
import { useCursorPager } from './useCursorPager';

const PAGE = 50;

/**
 * GET /contacts with the given filters, cursor-paged; re-read from the first page whenever the filters change.
 * The rows stay live: the pages give the ids and their order, the store gives each row's current data
 * (contact:updated replaces a row in place), and a contact created since the list was read (contact:created, by
 * anyone) shows on top while no search is active. A search shows only what the server matched.
 */
export function useContactList(filters: Ref<ContactListFilters>) {
  const store = useContactsStore();
  onUnmounted(store.retain());
  const ids = ref<number[]>([]);
  /** Contacts this console created, oldest first: on top, whatever the search, until a read that started after. */
  const mine = ref<number[]>([]);
  /** How much of `store.created` the current pages already account for (what came later shows on top). */
  const createdAtLoad = ref(store.created.length);
  // Marks taken when a read starts, so that what is created while it is in flight stays shown.
  const pager = useCursorPager<ContactView, { stamp: number; created: number; mine: number }>({
    fetchPage: (cursor) => fetchContacts(filters.value, cursor, PAGE),
    reloadOn: () => JSON.stringify(filters.value),
    noun: 'contacts',
    begin: () => ({ stamp: dispatcher.stamp(), created: store.created.length, mine: mine.value.length }),
    take(page, append, started) {
      store.upsertMany(page, started.stamp);
      if (!append) {
        ids.value = page.map((contact) => contact.id);
        mine.value = mine.value.slice(started.mine);
        createdAtLoad.value = started.created;
        return;
      }
      const known = new Set(ids.value);
      ids.value = [...ids.value, ...page.map((contact) => contact.id).filter((id) => !known.has(id))];
    },
  });
  watch(
    () => store.staleEpoch,
    () => void pager.load(),
  );

  const rows = computed<ContactView[]>(() => {
    const listed = new Set(ids.value);
    const live = filters.value.q ? [] : store.created.slice(createdAtLoad.value);
    // Newest first (ids grow with creation), each once, and not where a page already put it.
    const top = [...new Set([...mine.value, ...live])].filter((id) => !listed.has(id)).sort((a, b) => b - a);
    return [...top, ...ids.value].map((id) => store.byId[id]).filter((contact): contact is ContactView => !!contact);
  });

  /** A contact this console just created: shown on top until the next read puts it where it belongs. */
  function prepend(contact: ContactView): void {
    store.adopt(contact);
    if (!mine.value.includes(contact.id)) mine.value = [...mine.value, contact.id];
  }

  return { rows, ...pager, prepend };
}
