import { computed, ref } from 'vue';
import { loadReasons } from '@/realtime/loaders';
import { dispatcher } from '@/realtime/dispatcher';
import { command, type CommandPayload } from '@/socket';
import { useConnectionStore } from '@/stores/connection';
import { usePresenceStore } from '@/stores/presence';

export type SettableState = CommandPayload<'presence:set'>['state'];

/** Reasons are not pushed by the server: re-read them at most this often when the selector is opened. */
const REASONS_MAX_AGE_MS = 30_000;
let reasonsReadAt = 0;

/** The signed-in user's own presence: what it is, and changing it through `presence:set`. */
export function usePresence() {
  const presence = usePresenceStore();
  const connection = useConnectionStore();
  const pending = ref(false);
  const error = ref<string | null>(null);

  const me = computed(() => presence.me);
  const canChange = computed(() => connection.isLive && !pending.value);

  async function setState(state: SettableState, reasonId: number | null = null): Promise<boolean> {
    if (pending.value) return false;
    pending.value = true;
    error.value = null;
    try {
      const ack = await command('presence:set', state === 'not_ready' && reasonId !== null ? { state, reasonId } : { state });
      if (ack.ok) {
        presence.applyOwnAck(ack.data, dispatcher.stamp());
        return true;
      }
      error.value = ack.message ?? 'Your state could not be changed.';
      return false;
    } finally {
      pending.value = false;
    }
  }

  function refreshReasons(): void {
    if (Date.now() - reasonsReadAt < REASONS_MAX_AGE_MS) return;
    reasonsReadAt = Date.now();
    void loadReasons().catch(() => (reasonsReadAt = 0));
  }

  return { me, reasons: computed(() => presence.activeReasons), pending, error, canChange, setState, refreshReasons };
}
