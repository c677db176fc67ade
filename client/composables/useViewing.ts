import { computed, onUnmounted, toValue, watch, type MaybeRefOrGetter } from 'vue';
import { viewEntity } from '@/realtime/subscriptions';
import { useConnectionStore } from '@/stores/connection';
import { useSessionStore } from '@/stores/session';
import { useViewersStore, viewerKey, type ViewableEntity } from '@/stores/viewers';

/**
 * Announces that the current page shows this lead or conversation, and gives who else is looking at it.
 * Follows `entityId` as the route changes; stops announcing on unmount (navigation away).
 * Re-announced by the realtime layer after every reconnect.
 */
export function useViewing(entityType: ViewableEntity, entityId: MaybeRefOrGetter<number | null>) {
  const viewers = useViewersStore();
  const session = useSessionStore();
  const connection = useConnectionStore();

  let release: (() => void) | null = null;
  let shown: number | null = null;

  function stop(): void {
    release?.();
    release = null;
    if (shown !== null) viewers.forget(entityType, shown);
    shown = null;
  }

  watch(
    () => toValue(entityId),
    (id) => {
      if (id === shown) return;
      stop();
      if (id !== null && Number.isSafeInteger(id) && id > 0) {
        shown = id;
        release = viewEntity({ entityType, entityId: id });
      }
    },
    { immediate: true },
  );
  onUnmounted(stop);

  const id = computed(() => toValue(entityId));
  /** Everyone viewing, this user included. */
  const all = computed(() => (id.value === null ? [] : viewers.viewersOf(entityType, id.value)));
  /** The others: what an "also viewing" strip shows. */
  const others = computed(() => all.value.filter((viewer) => viewer.userId !== session.user?.id));
  const error = computed(() => (id.value === null ? null : (viewers.errors[viewerKey(entityType, id.value)] ?? null)));

  return { all, others, error, live: computed(() => connection.isLive) };
}
