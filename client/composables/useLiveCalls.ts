import { computed, onMounted, onUnmounted, ref, watch } from 'vue';
import { ApiError } from '@/api/http';
import { fetchLiveCalls, fetchTodayFigures, type AgentCallFigures, type LiveCall } from '@/api/telephony';
import { dispatcher } from '@/realtime/dispatcher';
import { ensureAgents } from '@/realtime/loaders';
import { useCallsStore } from '@/stores/calls';
import { useConnectionStore } from '@/stores/connection';
import { usePresenceStore } from '@/stores/presence';
import { useServerNow } from './useNow';

export interface LiveCallRow extends LiveCall {
  /** ms in the current status (ringing since the start, talking since the answer), ticking. */
  inStatusMs: number;
}

export interface WrapUpRow {
  userId: number;
  name: string;
  /** ms in wrap-up, ticking; null when unknown. */
  inWrapUpMs: number | null;
}

const FIGURES_REFRESH_MS = 60_000;
const FIGURES_AFTER_CHANGE_MS = 1_500;

/**
 * The supervisor's calls panel: the calls ringing or in progress (GET /calls/live once, call events after that,
 * again after a catch-up), the agents in wrap-up (their presence, which the server moves with their calls), and
 * today's figures per agent (GET /calls/today, re-read shortly after every call event and every minute).
 */
export function useLiveCalls() {
  const calls = useCallsStore();
  const presence = usePresenceStore();
  const connection = useConnectionStore();
  const now = useServerNow(1000);
  const loadError = ref<string | null>(null);
  const figures = ref<AgentCallFigures[] | null>(null);

  async function loadLive(): Promise<void> {
    const stamp = dispatcher.stamp();
    try {
      calls.applyLiveSnapshot(await fetchLiveCalls(), stamp);
      loadError.value = null;
    } catch (error) {
      loadError.value = error instanceof ApiError ? error.message : 'The calls in progress could not be loaded.';
    }
  }

  async function loadFigures(): Promise<void> {
    try {
      figures.value = await fetchTodayFigures();
    } catch {
      // Optional figures: keep the previous ones.
    }
  }

  let figuresTimer: ReturnType<typeof setInterval> | null = null;
  let changeTimer: ReturnType<typeof setTimeout> | null = null;
  onMounted(() => {
    void ensureAgents().catch(() => undefined);
    void loadLive();
    void loadFigures();
    figuresTimer = setInterval(() => void loadFigures(), FIGURES_REFRESH_MS);
  });
  onUnmounted(() => {
    if (figuresTimer) clearInterval(figuresTimer);
    if (changeTimer) clearTimeout(changeTimer);
  });
  watch(
    () => calls.changeTick,
    () => {
      if (changeTimer) clearTimeout(changeTimer);
      changeTimer = setTimeout(() => void loadFigures(), FIGURES_AFTER_CHANGE_MS);
    },
  );
  watch(
    () => connection.status,
    (status, previous) => {
      if (status === 'live' && previous === 'catching_up') {
        void loadLive();
        void loadFigures();
      }
    },
  );

  const rows = computed<LiveCallRow[]>(() =>
    calls.liveList.map((call) => {
      const known = calls.byId[call.callId];
      const since = call.status === 'in_progress' ? (call.answeredAt ?? known?.answeredAt ?? call.startedAt) : call.startedAt;
      const t = Date.parse(since);
      return { ...call, inStatusMs: Number.isFinite(t) ? Math.max(0, now.value - t) : 0 };
    }),
  );

  const wrapUps = computed<WrapUpRow[]>(() =>
    presence.agentList
      .filter((agent) => agent.state === 'wrap_up')
      .map((agent) => {
        const t = agent.since ? Date.parse(agent.since) : NaN;
        return { userId: agent.userId, name: agent.name, inWrapUpMs: Number.isFinite(t) ? Math.max(0, now.value - t) : null };
      }),
  );

  const sortedFigures = computed(() => [...(figures.value ?? [])].sort((a, b) => b.calls - a.calls || a.name.localeCompare(b.name)));

  return {
    rows,
    wrapUps,
    figures: sortedFigures,
    figuresLoaded: computed(() => figures.value !== null),
    loaded: computed(() => calls.liveLoaded),
    loadError,
    live: computed(() => connection.isLive),
    retry: loadLive,
  };
}
