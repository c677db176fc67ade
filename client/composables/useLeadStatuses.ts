import { computed, onMounted } from 'vue';
import { fetchStatuses } from '@/api/leads';
import { dispatcher } from '@/realtime/dispatcher';
import { useLeadsStore } from '@/stores/leads';

let inFlight: Promise<void> | null = null;

/** Loads the pipeline's statuses unless held (lead-statuses:changed keeps them current from then on). */
export function ensureStatuses(): Promise<void> {
  const store = useLeadsStore();
  if (store.statusesLoaded) return Promise.resolve();
  const stamp = dispatcher.stamp();
  inFlight ??= fetchStatuses()
    .then((list) => store.setStatuses(list, stamp))
    .finally(() => (inFlight = null));
  return inFlight;
}

/** The pipeline's statuses in column order, loaded on first use. */
export function useLeadStatuses() {
  const store = useLeadsStore();
  onMounted(() => void ensureStatuses().catch(() => undefined));
  return { statuses: computed(() => store.statuses), byId: computed(() => store.statusById) };
}
