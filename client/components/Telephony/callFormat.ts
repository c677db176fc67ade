import type { CallView } from '@/api/telephony';
import type { PhoneCall, RegistrationState } from '@/softphone/types';

export const REGISTRATION_LABELS: Record<RegistrationState, string> = {
  disabled: 'No phone',
  loading: 'Starting…',
  unconfigured: 'Not set up',
  unregistered: 'Offline',
  connecting: 'Connecting…',
  registered: 'Ready',
  failed: 'Not registered',
};

export const CALL_STATUS_LABELS: Record<CallView['status'], string> = {
  ringing: 'Ringing',
  in_progress: 'On a call',
  ended: 'Wrap-up',
  closed: 'Closed',
};

export const DIRECTION_LABELS: Record<CallView['direction'], string> = { inbound: 'Inbound', outbound: 'Outbound' };

/** What the softphone says about a call in one word or two. */
export function phoneCallLabel(call: PhoneCall): string {
  switch (call.state) {
    case 'dialing':
      return call.ringingRemote ? 'Ringing…' : 'Calling…';
    case 'ringing':
      return 'Incoming call';
    case 'connecting':
      return 'Connecting…';
    case 'active':
      if (call.holdPending) return call.held ? 'Resuming…' : 'Holding…';
      return call.held ? 'On hold' : 'Connected';
    case 'ended':
      return call.endReason ? `Ended · ${call.endReason}` : 'Ended';
  }
}

/** The other party of a server call, from the agent's side. */
export function otherParty(call: Pick<CallView, 'direction' | 'fromNumber' | 'toNumber'>): string {
  return call.direction === 'inbound' ? call.fromNumber : call.toNumber;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export function formatWhen(iso: string | null): string {
  if (!iso) return '';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? dateTime.format(t) : '';
}

/** "0:42", "12:05" from seconds; an em dash for none. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}
