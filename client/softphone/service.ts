import type { CallView, OwnSipCredentials, ScreenPop, StartCallBody } from '@/api/telephony';
import { normalizeDialString } from './format';
import { CallReporter, type ReporterApi } from './reporter';
import { SipPhone } from './sipPhone';
import { EMPTY_DEVICES, emptySnapshot, type AudioDevices, type PhoneCall, type PhoneCommand, type PhoneSnapshot } from './types';

/**
 * The softphone as the leader tab runs it: reads the agent's SIP credentials, drives `SipPhone`, reports every
 * call to the server (`CallReporter`), looks up who is calling (screen pop), keeps the audio devices, and
 * publishes one `PhoneSnapshot` after each change (the tab hub sends it to the other tabs).
 */

export interface PhoneServiceDeps {
  fetchCredentials(): Promise<OwnSipCredentials>;
  lookup(number: string): Promise<ScreenPop>;
  reporter: ReporterApi<StartCallBody, CallView>;
  /** The server's answer about one of our calls (the calls store keeps it). */
  onServerCall(call: CallView): void;
  onSnapshot(snapshot: PhoneSnapshot): void;
  /** ICE servers when the credentials answer names none. */
  defaultIceServers: RTCIceServer[];
  /** Reports a call as ended in a request that survives the page unloading. */
  reportEndedOnUnload(serverCallId: number, at: string): void;
}

/** HTTP status of a failed API call, if it was one. */
function statusOf(error: unknown): number | null {
  return typeof error === 'object' && error !== null && 'status' in error ? Number((error as { status: unknown }).status) : null;
}

function messageOf(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}

const DEVICE_KEY = 'cc.softphone.devices';
const LOOKUP_WAIT_MS = 1500;

function loadDevicePrefs(): { inputId: string; outputId: string } {
  try {
    const parsed = JSON.parse(localStorage.getItem(DEVICE_KEY) ?? '{}') as { inputId?: unknown; outputId?: unknown };
    return { inputId: typeof parsed.inputId === 'string' ? parsed.inputId : '', outputId: typeof parsed.outputId === 'string' ? parsed.outputId : '' };
  } catch {
    return { inputId: '', outputId: '' };
  }
}

export class PhoneService {
  private snapshot: PhoneSnapshot = emptySnapshot('loading');
  private phone: SipPhone | null = null;
  private credentials: OwnSipCredentials | null = null;
  private readonly reporter: CallReporter<StartCallBody, CallView>;
  private stopped = false;
  private emitQueued = false;
  private credentialsRetry: ReturnType<typeof setTimeout> | null = null;
  private reloadWhenIdle = false;
  private devices: AudioDevices = { ...EMPTY_DEVICES, ...loadDevicePrefs() };
  private registrationWanted = false;

  constructor(private readonly deps: PhoneServiceDeps) {
    this.reporter = new CallReporter<StartCallBody, CallView>({
      api: deps.reporter,
      onReported: (consoleCallId, call) => {
        const tracked = this.phone?.calls.find((c) => c.id === consoleCallId);
        if (tracked && tracked.serverCallId !== call.id) {
          tracked.serverCallId = call.id;
          this.emit();
        }
        deps.onServerCall(call);
      },
      onError: (_id, step, error) => {
        if (step === 'start') this.notice(`The call could not be recorded: ${messageOf(error, 'the server refused it')}.`);
      },
    });
    navigator.mediaDevices?.addEventListener?.('devicechange', this.onDeviceChange);
  }

  async start(): Promise<void> {
    void this.refreshDevices(false);
    await this.loadCredentials();
  }

  /** `unloading`: the page is going away; calls in progress are reported ended in requests that outlive it. */
  async stop(unloading = false): Promise<void> {
    if (unloading) {
      const at = new Date().toISOString();
      for (const call of this.phone?.calls ?? []) {
        const id = call.serverCallId ?? this.reporter.serverId(call.id);
        if (call.state !== 'ended' && id !== null) this.deps.reportEndedOnUnload(id, at);
      }
    }
    this.stopped = true;
    if (this.credentialsRetry) clearTimeout(this.credentialsRetry);
    navigator.mediaDevices?.removeEventListener?.('devicechange', this.onDeviceChange);
    const phone = this.phone;
    this.phone = null;
    await phone?.stop();
  }

  /** sip-credentials:changed: read them again (after the calls in progress, if any). */
  async credentialsChanged(): Promise<void> {
    if (this.phone?.calls.some((c) => c.state !== 'ended')) {
      this.reloadWhenIdle = true;
      return;
    }
    const phone = this.phone;
    this.phone = null;
    await phone?.stop();
    this.set({ registration: 'loading', registrationError: null });
    await this.loadCredentials();
  }

  async execute(command: PhoneCommand): Promise<unknown> {
    switch (command.type) {
      case 'register':
        this.registrationWanted = true;
        if (!this.phone) {
          if (this.snapshot.registration === 'unconfigured') throw new Error('No SIP account is set up for you. Ask an administrator.');
          await this.loadCredentials(true);
          return null;
        }
        await this.phone.register();
        return null;
      case 'unregister':
        this.registrationWanted = false;
        await this.phone?.unregister();
        return null;
      case 'call': {
        const dial = normalizeDialString(command.number);
        if (!dial) throw new Error('Enter a phone number or an extension.');
        const call = await this.requirePhone().call(dial, { related: command.related ?? null });
        return call.id;
      }
      case 'answer':
        await this.requirePhone().answer(command.callId);
        return null;
      case 'reject':
        await this.requirePhone().reject(command.callId);
        return null;
      case 'hangup':
        await this.requirePhone().hangup(command.callId);
        return null;
      case 'mute':
        this.requirePhone().mute(command.callId, command.on);
        return null;
      case 'hold':
        await this.requirePhone().hold(command.callId, command.on);
        return null;
      case 'dtmf':
        await this.requirePhone().dtmf(command.callId, command.tones);
        return null;
      case 'blindTransfer': {
        const dial = normalizeDialString(command.target);
        if (!dial) throw new Error('Enter the number or extension to transfer to.');
        await this.requirePhone().blindTransfer(command.callId, dial);
        return null;
      }
      case 'consult': {
        const dial = normalizeDialString(command.target);
        if (!dial) throw new Error('Enter the number or extension to transfer to.');
        const consult = await this.requirePhone().consult(command.callId, dial);
        return consult.id;
      }
      case 'completeTransfer':
        await this.requirePhone().completeTransfer(command.consultCallId);
        return null;
      case 'setInputDevice':
        this.devices = { ...this.devices, inputId: command.deviceId };
        this.saveDevicePrefs();
        this.phone?.setInputDevice(command.deviceId);
        this.emit();
        return null;
      case 'setOutputDevice':
        this.devices = { ...this.devices, outputId: command.deviceId };
        this.saveDevicePrefs();
        this.phone?.setOutputDevice(command.deviceId);
        this.emit();
        return null;
      case 'refreshDevices':
        await this.refreshDevices(true);
        return null;
      case 'dismissNotice':
        this.set({ notice: null });
        return null;
    }
  }

  // ------------------------------------------------------------------ internals

  private requirePhone(): SipPhone {
    if (!this.phone) throw new Error(this.snapshot.registrationError ?? 'The phone is not set up.');
    return this.phone;
  }

  private async loadCredentials(registerNow = false): Promise<void> {
    if (this.stopped) return;
    if (this.credentialsRetry) clearTimeout(this.credentialsRetry);
    this.credentialsRetry = null;
    let credentials: OwnSipCredentials;
    try {
      credentials = await this.deps.fetchCredentials();
    } catch (error) {
      if (this.stopped) return;
      const status = statusOf(error);
      if (status === 404) this.set({ registration: 'unconfigured', registrationError: 'No SIP account is set up for you yet. An administrator sets it in Users.' });
      else if (status === 403) this.set({ registration: 'disabled', registrationError: null });
      else {
        this.set({ registration: 'failed', registrationError: messageOf(error, 'Your SIP account could not be read.') });
        // A passing failure (network, 5xx): try again a little later.
        if (status === null || status === 0 || status >= 500) this.credentialsRetry = setTimeout(() => void this.loadCredentials(registerNow), 15_000);
      }
      return;
    }
    if (this.stopped) return;
    this.credentials = credentials;
    this.phone = new SipPhone({
      account: { wsUrl: credentials.wsUrl, username: credentials.username, password: credentials.password, domain: credentials.domain, displayName: credentials.displayName },
      // The tenant's STUN/TURN servers (Settings); without any, the console's build-time default (VITE_SIP_ICE_SERVERS, else none).
      iceServers: credentials.iceServers?.length ? (credentials.iceServers as RTCIceServer[]) : this.deps.defaultIceServers,
      inputDeviceId: this.devices.inputId,
      outputDeviceId: this.devices.outputId,
      logLevel: localStorage.getItem('cc.softphone.debug') ? 'debug' : 'warn',
      hooks: {
        onRegistration: (registration, registrationError) => this.set({ registration, registrationError }),
        onCallsChanged: () => this.emit(),
        onCallCreated: (call) => void this.onCallCreated(call),
        onCallAnswered: (call) => this.reporter.answered(call.id, new Date(call.answeredAt ?? Date.now()), call.sipCallId ?? undefined),
        onCallEnded: (call) => this.onCallEnded(call),
        onNotice: (message) => this.notice(message),
      },
    });
    this.set({
      username: credentials.username,
      displayName: credentials.displayName,
      autoRegister: credentials.autoRegister,
      registration: 'unregistered',
      registrationError: null,
    });
    if (credentials.autoRegister || registerNow || this.registrationWanted) {
      this.registrationWanted = true;
      await this.phone.register().catch((error: unknown) => this.set({ registration: 'failed', registrationError: messageOf(error, 'Registration failed.') }));
    }
  }

  private async onCallCreated(call: PhoneCall): Promise<void> {
    const own = this.credentials?.username ?? '';
    if (call.direction === 'inbound') {
      // The screen pop: who is calling. The call is reported once it is known (or after a short wait), so that
      // the server links it to the lead from the start.
      const pop = await Promise.race([
        this.deps.lookup(call.remoteNumber).catch(() => null),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), LOOKUP_WAIT_MS)),
      ]);
      if (pop) {
        call.screenPop = pop;
        if (pop.match && !call.related) call.related = { type: pop.match.type, id: pop.match.id, name: pop.match.name };
        this.emit();
      } else {
        // Late answers still fill the pop in.
        void this.deps.lookup(call.remoteNumber).then((late) => {
          if (!call.screenPop) {
            call.screenPop = late;
            this.emit();
          }
        }).catch(() => undefined);
      }
    }
    const body: StartCallBody = {
      consoleCallId: call.id,
      direction: call.direction,
      fromNumber: call.direction === 'outbound' ? own : call.remoteNumber,
      toNumber: call.direction === 'outbound' ? call.remoteNumber : own,
      ...(call.sipCallId ? { sipCallId: call.sipCallId } : {}),
      ...(call.related ? { relatedType: call.related.type, relatedId: call.related.id } : {}),
    };
    this.reporter.started(body);
    // Events that came while the lookup ran are reported now, in order.
    if (call.answeredAt) this.reporter.answered(call.id, new Date(call.answeredAt), call.sipCallId ?? undefined);
    if (call.endedAt) this.reporter.ended(call.id, new Date(call.endedAt));
  }

  private onCallEnded(call: PhoneCall): void {
    this.reporter.ended(call.id, new Date(call.endedAt ?? Date.now()));
    this.reporter.forget(call.id);
    if (this.reloadWhenIdle && !this.phone?.calls.some((c) => c.state !== 'ended')) {
      this.reloadWhenIdle = false;
      setTimeout(() => void this.credentialsChanged(), 500);
    }
  }

  private readonly onDeviceChange = (): void => {
    void this.refreshDevices(false);
  };

  /** Lists the audio devices; `ask` first opens the microphone once so the browser gives their names. */
  private async refreshDevices(ask: boolean): Promise<void> {
    const media = navigator.mediaDevices;
    if (!media?.enumerateDevices) return;
    try {
      if (ask) {
        const stream = await media.getUserMedia({ audio: true, video: false });
        for (const track of stream.getTracks()) track.stop();
      }
      const list = await media.enumerateDevices();
      const name = (d: MediaDeviceInfo, i: number, kind: string) => d.label || (d.deviceId === 'default' ? `Default ${kind}` : `${kind} ${i + 1}`);
      const inputs = list.filter((d) => d.kind === 'audioinput').map((d, i) => ({ deviceId: d.deviceId, label: name(d, i, 'Microphone') }));
      const outputs = list.filter((d) => d.kind === 'audiooutput').map((d, i) => ({ deviceId: d.deviceId, label: name(d, i, 'Speaker') }));
      this.devices = { ...this.devices, inputs, outputs, outputSelectable: 'setSinkId' in HTMLMediaElement.prototype };
      this.emit();
    } catch {
      if (ask) this.notice('The browser did not allow the microphone.');
    }
  }

  private saveDevicePrefs(): void {
    try {
      localStorage.setItem(DEVICE_KEY, JSON.stringify({ inputId: this.devices.inputId, outputId: this.devices.outputId }));
    } catch {
      // Storage disabled: the choice lasts for this page only.
    }
  }

  private notice(message: string): void {
    this.set({ notice: message });
  }

  private set(patch: Partial<PhoneSnapshot>): void {
    Object.assign(this.snapshot, patch);
    this.emit();
  }

  /** One snapshot per tick, however many changes happened in it. */
  private emit(): void {
    if (this.emitQueued || this.stopped) return;
    this.emitQueued = true;
    queueMicrotask(() => {
      this.emitQueued = false;
      if (this.stopped) return;
      const calls = this.phone?.calls ?? [];
      for (const call of calls) call.serverCallId ??= this.reporter.serverId(call.id);
      this.snapshot = JSON.parse(JSON.stringify({ ...this.snapshot, calls, devices: this.devices })) as PhoneSnapshot;
      this.deps.onSnapshot(this.snapshot);
    });
  }
}

