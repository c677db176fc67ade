import { shallowRef, type Ref } from 'vue';
import { fetchContacts, type ContactListFilters, type ContactView } from '@/api/contacts';
import { useCursorPager } from './useCursorPager';

const PAGE = 50;

/** GET /contacts with the given filters, cursor-paged; re-read from the first page whenever the filters change. */
export function useContactList(filters: Ref<ContactListFilters>) {
  const rows = shallowRef<ContactView[]>([]);
  const pager = useCursorPager<ContactView>({
    fetchPage: (cursor) => fetchContacts(filters.value, cursor, PAGE),
    reloadOn: () => JSON.stringify(filters.value),
    noun: 'contacts',
    take(page, append) {
      if (!append) {
        rows.value = page;
        return;
      }
      const known = new Set(rows.value.map((contact) => contact.id));
      rows.value = [...rows.value, ...page.filter((contact) => !known.has(contact.id))];
    },
  });

  /** A contact this console just created: shown on top until the next read puts it where it belongs. */
  function prepend(contact: ContactView): void {
    rows.value = [contact, ...rows.value.filter((row) => row.id !== contact.id)];
  }

  return { rows, ...pager, prepend };
}
