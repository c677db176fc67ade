import type { CallView } from '@/api/telephony';
import { formatDuration } from '@/composables/useNow';
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

/** The presence badge colour of each call status (the presence states' colours). */
export const CALL_STATUS_CLASS: Record<CallView['status'], string> = { ringing: 'is-away', in_progress: 'is-on_call', ended: 'is-wrap_up', closed: 'is-offline' };

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

/** "0:42", "12:05" from seconds; an em dash for none. */
export function formatSeconds(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return '—';
  return formatDuration(Math.round(seconds) * 1000);
}
