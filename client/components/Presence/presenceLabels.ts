import type { PresenceState } from '@shared/realtime';

export const PRESENCE_LABELS: Record<PresenceState, string> = {
  available: 'Available',
  away: 'Away',
  not_ready: 'Not ready',
  on_call: 'On a call',
  wrap_up: 'Wrap-up',
  offline: 'Offline',
};

/** Display order on the dashboard's summary. */
export const PRESENCE_ORDER: readonly PresenceState[] = ['available', 'on_call', 'wrap_up', 'not_ready', 'away', 'offline'];

/** "Not ready – Lunch", "Away". */
export function presenceLabel(state: PresenceState, reasonName?: string | null): string {
  return state === 'not_ready' && reasonName ? `${PRESENCE_LABELS.not_ready} – ${reasonName}` : PRESENCE_LABELS[state];
}

export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => part[0]!.toUpperCase())
    .join('');
}
