import type { ScreenPop } from '@shared/schemas/telephony';

/**
 * What every tab of the agent sees of the one softphone (the tab that holds the SIP registration sends it to the
 * others), and the commands any tab can send to it. Plain data only: it travels over a BroadcastChannel.
 */

/**
 * - `disabled`: this user may not make calls (no calls.make);
 * - `loading`: reading the SIP credentials;
 * - `unconfigured`: the agent has no SIP credentials (an admin sets them);
 * - `unregistered`: credentials present, not registered (auto-register is off, or the agent unregistered);
 * - `connecting`: opening the WebSocket to the PBX or waiting for the REGISTER answer (also after a loss);
 * - `registered`: ready to place and receive calls;
 * - `failed`: the PBX refused the registration (wrong password…) or the credentials could not be read.
 */
export type RegistrationState = 'disabled' | 'loading' | 'unconfigured' | 'unregistered' | 'connecting' | 'registered' | 'failed';

/**
 * - `dialing`: an outbound INVITE is out, no answer yet (`ringingRemote` once the far end rings);
 * - `ringing`: an inbound call waits for the agent;
 * - `connecting`: answered, media being set up;
 * - `active`: established;
 * - `ended`: over (kept briefly so the UI can say how it ended).
 */
export type PhoneCallState = 'dialing' | 'ringing' | 'connecting' | 'active' | 'ended';

export interface RelatedRef {
  type: 'lead' | 'contact';
  id: number;
  name: string | null;
}

export interface MediaFigures {
  packetsReceived: number;
  packetsSent: number;
  bytesReceived: number;
  packetsLost: number;
  jitterMs: number | null;
  /** The microphone the call is sending from (its track's label), and whether that track is live (false when muted or held). */
  inputLabel: string | null;
  inputEnabled: boolean | null;
}

export interface PhoneCall {
  /** The console's id for the call (a UUID): `consoleCallId` on the server, `X-CC-Call-Id` on outbound INVITEs. */
  id: string;
  /** The server's call id once POST /calls answered. */
  serverCallId: number | null;
  sipCallId: string | null;
  direction: 'inbound' | 'outbound';
  /** The other party's number or extension. */
  remoteNumber: string;
  remoteName: string | null;
  state: PhoneCallState;
  /** Outbound: the far end is ringing (180/183). */
  ringingRemote: boolean;
  muted: boolean;
  held: boolean;
  /** A hold or resume re-INVITE is in flight. */
  holdPending: boolean;
  /** ms since the epoch, the leader tab's clock. */
  startedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
  endReason: string | null;
  related: RelatedRef | null;
  screenPop: ScreenPop | null;
  /** Tones played into the call (confirmed by the DTMF sender), and tones the far end sent as SIP INFO. */
  dtmfSent: string;
  dtmfReceived: string;
  media: MediaFigures | null;
  /** Set on a consultation call of an attended transfer: the call being transferred. */
  consultFor: string | null;
  /** A transfer of this call is under way or done. */
  transfer: { kind: 'blind' | 'attended'; target: string; state: 'pending' | 'accepted' | 'failed'; error: string | null } | null;
}

export interface AudioDevice {
  deviceId: string;
  label: string;
}

export interface AudioDevices {
  inputs: AudioDevice[];
  outputs: AudioDevice[];
  /** '' = the system default. */
  inputId: string;
  outputId: string;
  /** The browser cannot pick an output device (no setSinkId). */
  outputSelectable: boolean;
}

export interface PhoneSnapshot {
  registration: RegistrationState;
  /** Why not registered, in words. */
  registrationError: string | null;
  /** The agent's extension (SIP user part) and how the PBX shows them. */
  username: string | null;
  displayName: string | null;
  autoRegister: boolean;
  calls: PhoneCall[];
  devices: AudioDevices;
  /** A short message about the last command that failed (e.g. "The number is not valid."). */
  notice: string | null;
}

export const EMPTY_DEVICES: AudioDevices = { inputs: [], outputs: [], inputId: '', outputId: '', outputSelectable: false };

export function emptySnapshot(registration: RegistrationState = 'loading'): PhoneSnapshot {
  return { registration, registrationError: null, username: null, displayName: null, autoRegister: false, calls: [], devices: EMPTY_DEVICES, notice: null };
}

/** What any tab may ask the softphone to do. */
export type PhoneCommand =
  | { type: 'register' }
  | { type: 'unregister' }
  | { type: 'call'; number: string; related?: RelatedRef | null }
  | { type: 'answer'; callId: string }
  | { type: 'reject'; callId: string }
  | { type: 'hangup'; callId: string }
  | { type: 'mute'; callId: string; on: boolean }
  | { type: 'hold'; callId: string; on: boolean }
  | { type: 'dtmf'; callId: string; tones: string }
  | { type: 'blindTransfer'; callId: string; target: string }
  | { type: 'consult'; callId: string; target: string }
  | { type: 'completeTransfer'; consultCallId: string }
  | { type: 'setInputDevice'; deviceId: string }
  | { type: 'setOutputDevice'; deviceId: string }
  | { type: 'refreshDevices' }
  | { type: 'dismissNotice' };
