import { computed, onUnmounted, ref, type Ref } from 'vue';
import { useConnectionStore } from '@/stores/connection';

/**
 * A clock that ticks every `intervalMs` while the component is mounted, in the server's time (the local clock
 * corrected by the offset the connection store estimates), for durations measured from server timestamps.
 */
export function useServerNow(intervalMs = 1000): Readonly<Ref<number>> {
  const connection = useConnectionStore();
  const local = ref(Date.now());
  const timer = setInterval(() => (local.value = Date.now()), intervalMs);
  onUnmounted(() => clearInterval(timer));
  return computed(() => local.value - connection.clockOffsetMs);
}

/** "0:42", "12:05", "1:02:09". */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/** "1 h 20 min", "5 min", "40 s". */
export function formatSpan(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}
