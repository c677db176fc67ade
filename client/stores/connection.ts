import { defineStore } from 'pinia';
import { computed, ref } from 'vue';

/**
 * - `connecting`: first connection of this page, nothing received yet.
 * - `live`: connected and caught up; what the console shows is current.
 * - `reconnecting`: the connection dropped (or was refused and is being retried).
 * - `catching_up`: connected again, replaying or reloading what was missed.
 * - `offline`: not connected and not trying (signed out, or given up after repeated refusals).
 */
export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'catching_up' | 'offline';

/** The realtime connection as the UI sees it. Only the socket layer and the realtime connector write here. */
export const useConnectionStore = defineStore('connection', () => {
  const status = ref<ConnectionStatus>('offline');
  /** Why we are not live, in words (e.g. "No network connection"); null when there is nothing to add. */
  const detail = ref<string | null>(null);
  /** Browser's own view of the network (navigator.onLine and its events). */
  const browserOnline = ref(typeof navigator === 'undefined' ? true : navigator.onLine);
  /** When the console was last live (ms since epoch), to tell the user how old the data is. */
  const lastLiveAt = ref<number | null>(null);
  /**
   * Local clock minus the server's, estimated from the `at` of live events (latency included, so it is a few ms
   * off at most). Durations computed from server timestamps ("in this state for 3:12") subtract it.
   */
  const clockOffsetMs = ref(0);

  const isLive = computed(() => status.value === 'live');

  function setStatus(next: ConnectionStatus, why: string | null = null): void {
    if (status.value === 'live' && next !== 'live') lastLiveAt.value = Date.now();
    status.value = next;
    detail.value = next === 'live' ? null : why;
    if (next === 'live') lastLiveAt.value = Date.now();
  }

  function setBrowserOnline(online: boolean): void {
    browserOnline.value = online;
  }

  // The smallest recent (local - server) difference is the one with the least delivery latency in it.
  const offsetSamples: number[] = [];
  function noteServerTime(serverIso: string): void {
    const server = Date.parse(serverIso);
    if (!Number.isFinite(server)) return;
    offsetSamples.push(Date.now() - server);
    if (offsetSamples.length > 20) offsetSamples.shift();
    clockOffsetMs.value = Math.min(...offsetSamples);
  }

  function reset(): void {
    status.value = 'offline';
    detail.value = null;
    lastLiveAt.value = null;
    clockOffsetMs.value = 0;
    offsetSamples.length = 0;
  }

  return { status, detail, browserOnline, lastLiveAt, clockOffsetMs, isLive, setStatus, setBrowserOnline, noteServerTime, reset };
});
