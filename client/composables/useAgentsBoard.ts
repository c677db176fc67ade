import { computed, onMounted, onUnmounted, ref, watch } from 'vue';
import { ApiError } from '@/api/http';
import { fetchTimeInState, type PresenceView, type TimeInState } from '@/api/presence';
import { ensureAgents, loadAgents } from '@/realtime/loaders';
import { useConnectionStore } from '@/stores/connection';
import { usePresenceStore } from '@/stores/presence';
import type { PresenceState } from '@shared/realtime';
import { useServerNow } from './useNow';

export interface AgentRow extends PresenceView {
  /** Milliseconds in the current state (server time), ticking; null when never seen online. */
  inStateMs: number | null;
  /** Seconds per state today (the tenant's day, in its time zone), the current state extrapolated up to now; null until loaded. */
  today: Partial<Record<PresenceState, number>> | null;
}

const TODAY_REFRESH_MS = 60_000;
const TODAY_AFTER_CHANGE_MS = 2_000;

/**
 * The supervisor's live agent list: the presence snapshot over REST once, presence:changed events after that,
 * a clock that ticks the time in state, and today's time per state (refreshed every minute and shortly after
 * changes). Timers stop when the component unmounts.
 */
export function useAgentsBoard() {
  const presence = usePresenceStore();
  const connection = useConnectionStore();
  const now = useServerNow(1000);
  const loadError = ref<string | null>(null);
  const today = ref<{ data: TimeInState; atServerMs: number } | null>(null);

  async function load(): Promise<void> {
    loadError.value = null;
    try {
      await ensureAgents();
    } catch (error) {
      loadError.value = error instanceof ApiError ? error.message : 'The agent list could not be loaded.';
    }
  }

  function retry(): void {
    loadError.value = null;
    void loadAgents().catch((error) => (loadError.value = error instanceof ApiError ? error.message : 'The agent list could not be loaded.'));
  }

  async function loadToday(): Promise<void> {
    try {
      const requestedAt = now.value;
      // No date: the server counts today in the tenant's time zone.
      const data = await fetchTimeInState();
      today.value = { data, atServerMs: requestedAt };
    } catch {
      // Optional figures: keep the previous ones.
    }
  }

  let todayTimer: ReturnType<typeof setInterval> | null = null;
  let changeTimer: ReturnType<typeof setTimeout> | null = null;
  onMounted(() => {
    void load();
    void loadToday();
    todayTimer = setInterval(() => void loadToday(), TODAY_REFRESH_MS);
  });
  onUnmounted(() => {
    if (todayTimer) clearInterval(todayTimer);
    if (changeTimer) clearTimeout(changeTimer);
  });
  // A state change (or coming back live) moves today's totals: re-read them, once things settle.
  watch(
    () => [connection.isLive, presence.agentList.map((agent) => `${agent.userId}:${agent.state}:${agent.since}`).join()] as const,
    () => {
      if (changeTimer) clearTimeout(changeTimer);
      changeTimer = setTimeout(() => void loadToday(), TODAY_AFTER_CHANGE_MS);
    },
  );

  const todayByUser = computed(() => new Map((today.value?.data.data ?? []).map((row) => [row.userId, row.seconds])));

  const rows = computed<AgentRow[]>(() =>
    presence.agentList.map((agent) => {
      const since = agent.since ? Date.parse(agent.since) : NaN;
      const seconds = todayByUser.value.get(agent.userId);
      let todayRow: AgentRow['today'] = null;
      if (today.value) {
        todayRow = { ...(seconds ?? {}) };
        // The figures were read at atServerMs; the current state has gone on since.
        if (agent.state !== 'offline' && Number.isFinite(since)) {
          const extra = (now.value - Math.max(today.value.atServerMs, since)) / 1000;
          if (extra > 0) todayRow[agent.state] = (todayRow[agent.state] ?? 0) + extra;
        }
      }
      return { ...agent, inStateMs: Number.isFinite(since) ? Math.max(0, now.value - since) : null, today: todayRow };
    }),
  );

  const counts = computed(() => {
    const result: Partial<Record<PresenceState, number>> = {};
    for (const agent of presence.agentList) result[agent.state] = (result[agent.state] ?? 0) + 1;
    return result;
  });

  return {
    rows,
    counts,
    loaded: computed(() => presence.agentsLoaded),
    loadError,
    live: computed(() => connection.isLive),
    retry,
  };
}
