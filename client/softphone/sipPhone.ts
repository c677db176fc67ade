import {
  Invitation,
  Inviter,
  Registerer,
  RegistererState,
  SessionState,
  SIPExtension,
  UserAgent,
  UserAgentState,
  Web,
  type Info,
  type Notification,
  type Referral,
  type Session,
} from 'sip.js';
import type { CONSOLE_CALL_ID_HEADER as SharedHeader } from '@shared/schemas/telephony';
import { cleanTones, hostOf, numberOf, sipTarget } from './format';
import type { MediaFigures, PhoneCall, RegistrationState } from './types';

/**
 * SIP.js 0.21 behind a small surface: one user agent registered with the agent's own credentials, its calls as
 * plain `PhoneCall` records, and the actions an agent takes on them. It knows nothing of the server or of tabs:
 * `PhoneService` reports the calls and shares the state.
 *
 * Registration follows the network: a lost WebSocket (network gone, PBX restarted) is reopened with back-off
 * (1 s doubling to 30 s, and at once when the browser says it is online again), and every new connection
 * registers again. OPTIONS pings every 25 s find a connection that died silently.
 */

// The shared constant lives beside zod schemas; importing its value would bring zod into the bundle. The type
// import makes this copy a compile error if the contract's header name ever changes.
const CONSOLE_CALL_ID_HEADER: typeof SharedHeader = 'X-CC-Call-Id';

export interface SipAccount {
  wsUrl: string;
  username: string;
  password: string;
  domain: string;
  displayName: string | null;
}

export interface SipPhoneHooks {
  onRegistration(state: RegistrationState, error: string | null): void;
  /** Any call changed (state, flags, media figures). */
  onCallsChanged(): void;
  /** A call was created: an INVITE went out (sipCallId known) or came in. */
  onCallCreated(call: PhoneCall): void;
  onCallAnswered(call: PhoneCall): void;
  onCallEnded(call: PhoneCall): void;
  /** Something the agent should read (a failed action). */
  onNotice(message: string): void;
}

export interface SipPhoneOptions {
  account: SipAccount;
  iceServers: RTCIceServer[];
  hooks: SipPhoneHooks;
  /** Audio input ('' = default). */
  inputDeviceId?: string;
  /** Audio output ('' = default). */
  outputDeviceId?: string;
  /** Most calls at once (a consultation for an attended transfer makes two). */
  maxCalls?: number;
  logLevel?: 'debug' | 'log' | 'warn' | 'error';
}

interface Tracked {
  call: PhoneCall;
  session: Session;
  audio: HTMLAudioElement | null;
  /** The far end's REFER asked us to call someone: our new call replaces this one. */
  referredTo?: string;
}

const RECONNECT_MAX_MS = 30_000;
const OPTIONS_PING_MS = 25_000;
const ENDED_KEEP_MS = 4_000;

const REJECT_REASONS: Record<number, string> = {
  404: 'Number not found',
  408: 'No answer',
  480: 'Not available',
  486: 'Busy',
  487: 'Cancelled',
  488: 'Media not accepted',
  503: 'Service unavailable',
  603: 'Declined',
};

function newCallId(): string {
  return crypto.randomUUID();
}

export class SipPhone {
  private ua: UserAgent | null = null;
  private registerer: Registerer | null = null;
  private wantRegistered = false;
  private stopped = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectAttempt = 0;
  private registerRetryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setTimeout> | null = null;
  private pingFailed = false;
  private statsTimer: ReturnType<typeof setInterval> | null = null;
  private readonly tracked = new Map<string, Tracked>();
  private readonly dtmfWatched = new WeakSet<RTCDTMFSender>();
  private registration: RegistrationState = 'unregistered';
  private inputDeviceId: string;
  private outputDeviceId: string;

  constructor(private readonly options: SipPhoneOptions) {
    this.inputDeviceId = options.inputDeviceId ?? '';
    this.outputDeviceId = options.outputDeviceId ?? '';
    window.addEventListener('online', this.onOnline);
    window.addEventListener('offline', this.onOffline);
  }

  get calls(): PhoneCall[] {
    return [...this.tracked.values()].map((t) => t.call);
  }

  // ------------------------------------------------------------------ registration

  /** Connects to the PBX and keeps the agent registered until `unregister` or `stop`. */
  async register(): Promise<void> {
    this.wantRegistered = true;
    this.setRegistration('connecting', null);
    const ua = this.ensureUserAgent();
    if (ua.state === UserAgentState.Started && ua.isConnected()) {
      this.sendRegister();
      return;
    }
    try {
      if (ua.state === UserAgentState.Started) await ua.reconnect();
      else await ua.start();
    } catch {
      this.setRegistration('connecting', `Cannot reach the PBX at ${hostOf(this.options.account.wsUrl)}; retrying…`);
      this.scheduleReconnect();
    }
  }

  /** Stops receiving calls (the WebSocket stays open for calls in progress, then closes). */
  async unregister(): Promise<void> {
    this.wantRegistered = false;
    this.clearTimers();
    const registerer = this.registerer;
    this.registerer = null;
    if (registerer) {
      try {
        if (registerer.state === RegistererState.Registered) await registerer.unregister();
      } catch {
        // The PBX forgets the registration at its expiry anyway.
      }
      void registerer.dispose().catch(() => undefined);
    }
    this.setRegistration('unregistered', null);
    if (this.tracked.size === 0 && this.ua) {
      const ua = this.ua;
      this.ua = null;
      await ua.stop().catch(() => undefined);
    }
  }

  /** Ends everything: calls hung up, unregistered, disconnected. The object is not used again. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    window.removeEventListener('offline', this.onOffline);
    for (const tracked of [...this.tracked.values()]) await this.terminate(tracked).catch(() => undefined);
    this.wantRegistered = false;
    this.clearTimers();
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = null;
    const registerer = this.registerer;
    this.registerer = null;
    if (registerer?.state === RegistererState.Registered) await registerer.unregister().catch(() => undefined);
    const ua = this.ua;
    this.ua = null;
    await ua?.stop().catch(() => undefined);
  }

  private ensureUserAgent(): UserAgent {
    if (this.ua) return this.ua;
    const { account } = this.options;
    const uri = UserAgent.makeURI(`sip:${account.username}@${account.domain}`);
    if (!uri) throw new Error(`"${account.username}@${account.domain}" is not a SIP address.`);
    const ua = new UserAgent({
      uri,
      authorizationUsername: account.username,
      authorizationPassword: account.password,
      displayName: account.displayName ?? undefined,
      transportOptions: { server: account.wsUrl, connectionTimeout: 5, traceSip: false },
      sessionDescriptionHandlerFactoryOptions: {
        // SIP.js's default asks a public STUN host; a LAN PBX needs none (host candidates), so the list is ours.
        peerConnectionConfiguration: { iceServers: this.options.iceServers },
        iceGatheringTimeout: 2000,
      },
      sipExtensionReplaces: SIPExtension.Supported,
      noAnswerTimeout: 120,
      userAgentString: 'ContactCenter-Console SIP.js/0.21',
      logLevel: this.options.logLevel ?? 'warn',
      logBuiltinEnabled: true,
      delegate: {
        onConnect: () => this.onConnect(),
        onDisconnect: (error) => this.onDisconnect(error),
        onInvite: (invitation) => this.onInvite(invitation),
      },
    });
    this.ua = ua;
    return ua;
  }

  private onConnect(): void {
    this.reconnectAttempt = 0;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.wantRegistered) this.sendRegister();
    this.startPings();
  }

  private onDisconnect(error?: Error): void {
    this.stopPings();
    // A registerer belongs to its connection: the next one registers afresh.
    const registerer = this.registerer;
    this.registerer = null;
    void registerer?.dispose().catch(() => undefined);
    const failed = !!error || this.pingFailed;
    this.pingFailed = false;
    if (this.stopped || !this.wantRegistered) return;
    if (failed || this.ua?.state === UserAgentState.Started) {
      this.setRegistration('connecting', navigator.onLine ? 'Connection to the PBX lost; reconnecting…' : 'No network connection; waiting for it…');
      this.scheduleReconnect();
    }
  }

  private readonly onOnline = (): void => {
    if (!this.wantRegistered || this.stopped) return;
    // Whatever the back-off says: the network is back, try now.
    this.reconnectAttempt = 0;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    void this.reconnectNow();
  };

  private readonly onOffline = (): void => {
    if (!this.wantRegistered || this.stopped) return;
    this.setRegistration('connecting', 'No network connection; waiting for it…');
  };

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.stopped || !this.wantRegistered) return;
    const delay = Math.min(1000 * 2 ** this.reconnectAttempt, RECONNECT_MAX_MS) + Math.floor(Math.random() * 300);
    this.reconnectAttempt += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.reconnectNow();
    }, delay);
  }

  private async reconnectNow(): Promise<void> {
    const ua = this.ua;
    if (!ua || this.stopped || !this.wantRegistered) return;
    try {
      if (ua.state === UserAgentState.Started) await ua.reconnect();
      else await ua.start();
    } catch {
      this.scheduleReconnect();
    }
  }

  private sendRegister(): void {
    const ua = this.ua;
    if (!ua || !this.wantRegistered) return;
    if (!this.registerer) {
      // Refreshed at 80 % of its life: a hidden tab's timers may be throttled to once a minute.
      const registerer = new Registerer(ua, { expires: 600, refreshFrequency: 80 });
      this.registerer = registerer;
      registerer.stateChange.addListener((state) => {
        if (this.registerer !== registerer) return;
        if (state === RegistererState.Registered) this.setRegistration('registered', null);
        else if (state === RegistererState.Unregistered && this.wantRegistered && this.registration === 'registered') {
          // Dropped by the PBX (expiry refresh refused, or the PBX restarted and told us): try again.
          this.setRegistration('connecting', 'Registration lost; registering again…');
          this.retryRegisterSoon(2000);
        }
      });
    }
    const registerer = this.registerer;
    registerer
      .register({
        requestDelegate: {
          onReject: (response) => {
            const { statusCode, reasonPhrase } = response.message;
            const why = statusCode === 401 || statusCode === 403 || statusCode === 407 ? 'The PBX refused the SIP password' : `The PBX refused the registration (${statusCode} ${reasonPhrase})`;
            this.setRegistration('failed', `${why}. Retrying in a minute.`);
            this.retryRegisterSoon(60_000);
          },
        },
      })
      .catch(() => {
        // Already waiting for an answer, or the transport closed: onDisconnect or the pending request decides.
      });
  }

  private retryRegisterSoon(ms: number): void {
    if (this.registerRetryTimer) clearTimeout(this.registerRetryTimer);
    this.registerRetryTimer = setTimeout(() => {
      this.registerRetryTimer = null;
      if (this.ua?.isConnected()) this.sendRegister();
    }, ms);
  }

  private startPings(): void {
    this.stopPings();
    const ua = this.ua;
    if (!ua) return;
    const tick = () => {
      this.pingTimer = setTimeout(() => {
        this.pingTimer = null;
        if (!this.ua?.isConnected()) return;
        const core = ua.userAgentCore;
        const target = UserAgent.makeURI(`sip:${this.options.account.domain}`);
        if (!target) return;
        const message = core.makeOutgoingRequestMessage('OPTIONS', target, ua.configuration.uri, ua.configuration.uri, {});
        core.request(message, {
          onAccept: () => tick(),
          onReject: (response) => {
            if (response.message.statusCode === 408 || response.message.statusCode === 503) {
              // No answer over this connection: it is dead even if the socket says otherwise.
              this.pingFailed = true;
              void ua.transport.disconnect().catch(() => undefined);
            } else {
              tick(); // any answer (even 404/405) proves the connection lives
            }
          },
        });
      }, OPTIONS_PING_MS);
    };
    tick();
  }

  private stopPings(): void {
    if (this.pingTimer) clearTimeout(this.pingTimer);
    this.pingTimer = null;
  }

  private clearTimers(): void {
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.registerRetryTimer) clearTimeout(this.registerRetryTimer);
    this.reconnectTimer = null;
    this.registerRetryTimer = null;
    this.stopPings();
  }

  private setRegistration(state: RegistrationState, error: string | null): void {
    this.registration = state;
    this.options.hooks.onRegistration(state, error);
  }

  // ------------------------------------------------------------------ calls

  /** Places a call; resolves with it once the INVITE is out. */
  async call(dial: string, extra: { related?: PhoneCall['related'] } = {}): Promise<PhoneCall> {
    const ua = this.ua;
    if (!ua || !ua.isConnected() || this.registration !== 'registered') throw new Error('The phone is not registered with the PBX.');
    if (this.liveCount() >= (this.options.maxCalls ?? 2)) throw new Error('Finish the current call first.');
    const target = UserAgent.makeURI(sipTarget(dial, this.options.account.domain));
    if (!target) throw new Error(`"${dial}" cannot be dialled.`);
    const id = newCallId();
    const inviter = new Inviter(ua, target, {
      extraHeaders: [`${CONSOLE_CALL_ID_HEADER}: ${id}`],
      sessionDescriptionHandlerOptions: { constraints: this.constraints() },
    });
    const call = this.newCall(id, 'outbound', numberOf(dial), extra.related ?? null);
    call.sipCallId = inviter.request.callId;
    const tracked: Tracked = { call, session: inviter, audio: null };
    this.track(tracked);
    this.options.hooks.onCallCreated(call);
    try {
      await inviter.invite({
        requestDelegate: {
          onProgress: (response) => {
            if (response.message.statusCode === 180 || response.message.statusCode === 183) {
              call.ringingRemote = true;
              this.changed();
            }
          },
          onReject: (response) => {
            const code = response.message.statusCode ?? 0;
            call.endReason = REJECT_REASONS[code] ?? `${code} ${response.message.reasonPhrase}`;
          },
        },
      });
    } catch (error) {
      call.endReason = error instanceof Error ? error.message : 'The call could not be placed.';
      this.finish(tracked);
      throw error;
    }
    return call;
  }

  async answer(callId: string): Promise<void> {
    const tracked = this.get(callId);
    if (!(tracked.session instanceof Invitation) || tracked.call.state !== 'ringing') throw new Error('This call is not ringing.');
    // Call waiting: the call the agent is on goes on hold before the new one is taken (not the one this call
    // replaces in an attended transfer: that one ends).
    const replacee = tracked.session.replacee;
    for (const other of this.tracked.values()) {
      if (other === tracked || other.session === replacee) continue;
      if (other.call.state === 'active' && !other.call.held) await this.hold(other.call.id, true).catch(() => undefined);
    }
    tracked.call.state = 'connecting';
    this.changed();
    try {
      await tracked.session.accept({ sessionDescriptionHandlerOptions: { constraints: this.constraints() } });
    } catch (error) {
      tracked.call.endReason = 'Could not answer (microphone or network problem)';
      this.finish(tracked);
      throw error;
    }
  }

  async reject(callId: string): Promise<void> {
    const tracked = this.get(callId);
    if (!(tracked.session instanceof Invitation)) throw new Error('Only an incoming call can be rejected.');
    tracked.call.endReason = 'Rejected';
    await tracked.session.reject({ statusCode: 486 }).catch(() => undefined);
    this.finish(tracked);
  }

  async hangup(callId: string): Promise<void> {
    const tracked = this.get(callId);
    tracked.call.endReason ??= 'You hung up';
    await this.terminate(tracked);
  }

  mute(callId: string, on: boolean): void {
    const tracked = this.get(callId);
    tracked.call.muted = on;
    this.applyTracks(tracked);
    this.changed();
  }

  async hold(callId: string, on: boolean): Promise<void> {
    const tracked = this.get(callId);
    const { session, call } = tracked;
    if (session.state !== SessionState.Established) throw new Error('Only a connected call can be held.');
    if (call.held === on || call.holdPending) return;
    call.holdPending = true;
    this.changed();
    session.sessionDescriptionHandlerOptionsReInvite = { ...session.sessionDescriptionHandlerOptionsReInvite, hold: on } as typeof session.sessionDescriptionHandlerOptionsReInvite;
    await new Promise<void>((resolve, reject) => {
      session
        .invite({
          requestDelegate: {
            onAccept: () => {
              call.held = on;
              call.holdPending = false;
              this.applyTracks(tracked);
              this.changed();
              resolve();
            },
            onReject: (response) => {
              call.holdPending = false;
              this.changed();
              reject(new Error(`The PBX refused to ${on ? 'hold' : 'resume'} the call (${response.message.statusCode}).`));
            },
          },
        })
        .catch((error: unknown) => {
          call.holdPending = false;
          this.changed();
          reject(error instanceof Error ? error : new Error(String(error)));
        });
    });
  }

  /**
   * Plays DTMF tones into the call as RFC 4733 telephone-events (what PBXes expect from WebRTC); when the
   * connection cannot carry them, sends SIP INFO (application/dtmf-relay) instead.
   */
  async dtmf(callId: string, tones: string): Promise<void> {
    const tracked = this.get(callId);
    const clean = cleanTones(tones);
    if (!clean) return;
    if (tracked.session.state !== SessionState.Established) throw new Error('Tones can be sent once the call is connected.');
    const sender = this.peerConnection(tracked)?.getSenders().find((s) => s.track?.kind === 'audio' && s.dtmf);
    const dtmf = sender?.dtmf;
    if (dtmf && dtmf.canInsertDTMF) {
      if (!this.dtmfWatched.has(dtmf)) {
        this.dtmfWatched.add(dtmf);
        dtmf.addEventListener('tonechange', (event) => {
          if (!event.tone) return;
          tracked.call.dtmfSent = (tracked.call.dtmfSent + event.tone).slice(-32);
          this.changed();
        });
      }
      // insertDTMF replaces what is still queued: keep the tones not played yet (keys pressed quickly).
      dtmf.insertDTMF(dtmf.toneBuffer + clean, 120, 70);
      return;
    }
    for (const tone of clean.replace(/,/g, '')) {
      await tracked.session.info({ requestOptions: { body: { contentDisposition: 'render', contentType: 'application/dtmf-relay', content: `Signal=${tone}\r\nDuration=160` } } });
      tracked.call.dtmfSent = (tracked.call.dtmfSent + tone).slice(-32);
      this.changed();
    }
  }

  /** Blind transfer: the far end is asked (REFER) to call `target`; this call ends once it does. */
  async blindTransfer(callId: string, dial: string): Promise<void> {
    const tracked = this.get(callId);
    const target = UserAgent.makeURI(sipTarget(dial, this.options.account.domain));
    if (!target) throw new Error(`"${dial}" cannot be dialled.`);
    if (tracked.session.state !== SessionState.Established) throw new Error('Only a connected call can be transferred.');
    tracked.call.transfer = { kind: 'blind', target: numberOf(dial), state: 'pending', error: null };
    this.changed();
    await this.refer(tracked, target);
  }

  /** Attended transfer, step 1: hold the call and ring the target (a consultation call). */
  async consult(callId: string, dial: string): Promise<PhoneCall> {
    const tracked = this.get(callId);
    if (tracked.session.state !== SessionState.Established) throw new Error('Only a connected call can be transferred.');
    if (!tracked.call.held) await this.hold(callId, true);
    const consult = await this.call(dial, { related: tracked.call.related });
    consult.consultFor = callId;
    tracked.call.transfer = { kind: 'attended', target: numberOf(dial), state: 'pending', error: null };
    this.changed();
    return consult;
  }

  /** Attended transfer, step 2: join the held call to the consultation's party (REFER with Replaces). */
  async completeTransfer(consultCallId: string): Promise<void> {
    const consult = this.get(consultCallId);
    const originalId = consult.call.consultFor;
    if (!originalId) throw new Error('This call is not a transfer consultation.');
    const original = this.get(originalId);
    if (consult.session.state !== SessionState.Established) throw new Error('Wait until the transfer target answers (or transfer blind).');
    await this.refer(original, consult.session, consult);
  }

  private async refer(tracked: Tracked, target: ReturnType<typeof UserAgent.makeURI> | Session, consult?: Tracked): Promise<void> {
    const transfer = tracked.call.transfer;
    const settle = (ok: boolean, error: string | null) => {
      if (!transfer || transfer.state !== 'pending' && transfer.state !== 'accepted') return;
      transfer.state = ok ? 'accepted' : 'failed';
      transfer.error = error;
      this.changed();
      if (ok) {
        tracked.call.endReason = `Transferred to ${transfer.target}`;
        void this.terminate(tracked);
        if (consult) {
          consult.call.endReason = 'Transfer completed';
          // The target's INVITE with Replaces ends this leg; make sure it ends here too.
          setTimeout(() => void this.terminate(consult).catch(() => undefined), 3000);
        }
      }
    };
    let finalTimer: ReturnType<typeof setTimeout> | null = null;
    await tracked.session.refer(target as Session, {
      requestDelegate: {
        onAccept: () => {
          // Some PBXes never report the outcome: after 202, give the far end a while, then consider it done.
          finalTimer = setTimeout(() => settle(true, null), 8000);
        },
        onReject: (response) => settle(false, `The transfer was refused (${response.message.statusCode} ${response.message.reasonPhrase}).`),
      },
      onNotify: (notification: Notification) => {
        void notification.accept().catch(() => undefined);
        const status = /SIP\/2\.0\s+(\d{3})/.exec(notification.request.body ?? '');
        const code = status ? Number(status[1]) : 0;
        if (code >= 200) {
          if (finalTimer) clearTimeout(finalTimer);
          settle(code < 300, code < 300 ? null : `The transfer target did not answer (${code}).`);
        }
      },
    });
  }

  // ------------------------------------------------------------------ devices

  setInputDevice(deviceId: string): void {
    this.inputDeviceId = deviceId;
    for (const tracked of this.tracked.values()) void this.replaceInput(tracked);
  }

  setOutputDevice(deviceId: string): void {
    this.outputDeviceId = deviceId;
    for (const tracked of this.tracked.values()) if (tracked.audio) void this.applySink(tracked.audio);
  }

  private constraints(): MediaStreamConstraints {
    return { audio: this.inputDeviceId ? { deviceId: { exact: this.inputDeviceId } } : true, video: false };
  }

  private async replaceInput(tracked: Tracked): Promise<void> {
    const pc = this.peerConnection(tracked);
    const sender = pc?.getSenders().find((s) => s.track?.kind === 'audio');
    if (!sender) return;
    try {
      const stream = await navigator.mediaDevices.getUserMedia(this.constraints());
      const track = stream.getAudioTracks()[0];
      if (!track) return;
      const old = sender.track;
      await sender.replaceTrack(track);
      old?.stop();
      this.applyTracks(tracked);
    } catch {
      this.options.hooks.onNotice('The selected microphone could not be opened.');
    }
  }

  private async applySink(audio: HTMLAudioElement): Promise<void> {
    const sinkable = audio as HTMLAudioElement & { setSinkId?: (id: string) => Promise<void> };
    if (!sinkable.setSinkId) return;
    try {
      await sinkable.setSinkId(this.outputDeviceId);
    } catch {
      this.options.hooks.onNotice('The selected speaker could not be used.');
    }
  }

  // ------------------------------------------------------------------ internals

  private onInvite(invitation: Invitation): void {
    const replacing = invitation.replacee;
    if (!replacing && this.liveCount() >= (this.options.maxCalls ?? 2)) {
      void invitation.reject({ statusCode: 486 }).catch(() => undefined);
      return;
    }
    const identity = invitation.remoteIdentity;
    const call = this.newCall(newCallId(), 'inbound', identity.uri.user ?? identity.uri.toString(), null);
    call.remoteName = identity.displayName || null;
    call.sipCallId = invitation.request.callId;
    const tracked: Tracked = { call, session: invitation, audio: null };
    this.track(tracked);
    this.options.hooks.onCallCreated(call);
    if (replacing) {
      // The transfer target side of an attended transfer: this call takes over the one it replaces.
      const old = [...this.tracked.values()].find((t) => t.session === replacing);
      if (old) {
        call.related = old.call.related;
        old.call.endReason = 'Transferred';
      }
      void this.answer(call.id).then(() => replacing.bye().catch(() => undefined)).catch(() => undefined);
    }
  }

  private newCall(id: string, direction: PhoneCall['direction'], remoteNumber: string, related: PhoneCall['related']): PhoneCall {
    return {
      id, serverCallId: null, sipCallId: null, direction, remoteNumber, remoteName: null,
      state: direction === 'outbound' ? 'dialing' : 'ringing', ringingRemote: false,
      muted: false, held: false, holdPending: false,
      startedAt: Date.now(), answeredAt: null, endedAt: null, endReason: null,
      related, screenPop: null, dtmfSent: '', dtmfReceived: '', media: null, consultFor: null, transfer: null,
    };
  }

  private track(tracked: Tracked): void {
    const { session, call } = tracked;
    this.tracked.set(call.id, tracked);
    session.delegate = {
      // With onBye defined, SIP.js leaves the answer to us.
      onBye: (bye) => {
        call.endReason ??= 'The other party hung up';
        void bye.accept().catch(() => undefined);
      },
      onInfo: (info: Info) => this.onInfo(tracked, info),
      onRefer: (referral: Referral) => this.onRefer(tracked, referral),
    };
    session.stateChange.addListener((state) => {
      switch (state) {
        case SessionState.Established:
          if (call.state !== 'active') {
            call.state = 'active';
            call.answeredAt = Date.now();
            this.attachAudio(tracked);
            this.watchConnection(tracked);
            this.ensureStats();
            this.options.hooks.onCallAnswered(call);
            this.changed();
          }
          break;
        case SessionState.Terminated:
          if (!call.endReason && call.state === 'ringing') call.endReason = 'Missed';
          if (!call.endReason && call.state === 'dialing') call.endReason = 'Cancelled';
          this.finish(tracked);
          break;
        default:
          break;
      }
    });
    this.changed();
  }

  private onInfo(tracked: Tracked, info: Info): void {
    const type = info.request.getHeader('content-type') ?? '';
    const match = /Signal\s*=\s*([0-9A-D#*])/i.exec(info.request.body ?? '');
    if (!/application\/dtmf-relay/i.test(type) || !match) {
      void info.reject().catch(() => undefined);
      return;
    }
    void info.accept().catch(() => undefined);
    tracked.call.dtmfReceived = (tracked.call.dtmfReceived + match[1]!.toUpperCase()).slice(-32);
    this.changed();
  }

  private onRefer(tracked: Tracked, referral: Referral): void {
    // The far end (usually the PBX) asks us to call someone else in its place.
    const ua = this.ua;
    if (!ua) return;
    void referral
      .accept()
      .then(() => {
        const id = newCallId();
        const inviter = referral.makeInviter({
          extraHeaders: [`${CONSOLE_CALL_ID_HEADER}: ${id}`],
          sessionDescriptionHandlerOptions: { constraints: this.constraints() },
        });
        // An attended transfer refers to the target's Contact (an opaque user part): its display name, which SIP.js
        // and most PBXes set to the target's number, says who it is.
        const named = referral.referTo.displayName?.trim();
        const target = named || (inviter.remoteIdentity.uri.user ?? inviter.remoteIdentity.uri.toString());
        const call = this.newCall(id, 'outbound', target, tracked.call.related);
        call.sipCallId = inviter.request.callId;
        const next: Tracked = { call, session: inviter, audio: null };
        this.track(next);
        this.options.hooks.onCallCreated(call);
        tracked.call.endReason = `Transferred to ${target}`;
        return inviter.invite();
      })
      .catch(() => this.options.hooks.onNotice('A transfer requested by the other party failed.'));
  }

  private attachAudio(tracked: Tracked): void {
    const sdh = tracked.session.sessionDescriptionHandler;
    if (!(sdh instanceof Web.SessionDescriptionHandler)) return;
    const audio = document.createElement('audio');
    audio.autoplay = true;
    audio.dataset.softphoneAudio = tracked.call.id;
    audio.style.display = 'none';
    audio.srcObject = sdh.remoteMediaStream;
    document.body.append(audio);
    tracked.audio = audio;
    void this.applySink(audio);
    audio.play().catch(() => {
      // Autoplay refused until the page gets a click: the next click starts it.
      const resume = () => void audio.play().catch(() => undefined);
      window.addEventListener('pointerdown', resume, { once: true });
    });
    sdh.remoteMediaStream.onaddtrack = () => void audio.play().catch(() => undefined);
  }

  /**
   * The other side vanished without a BYE (its tab or network died): ICE consent fails within about 30 s and the
   * call is ended here, instead of staying up with no audio.
   */
  private watchConnection(tracked: Tracked): void {
    const pc = this.peerConnection(tracked);
    pc?.addEventListener('connectionstatechange', () => {
      if (pc.connectionState !== 'failed' || tracked.call.state === 'ended') return;
      tracked.call.endReason = 'The audio connection was lost';
      void this.terminate(tracked).catch(() => this.finish(tracked));
    });
  }

  private applyTracks(tracked: Tracked): void {
    const sdh = tracked.session.sessionDescriptionHandler;
    if (!(sdh instanceof Web.SessionDescriptionHandler)) return;
    sdh.enableReceiverTracks(!tracked.call.held);
    sdh.enableSenderTracks(!tracked.call.held && !tracked.call.muted);
  }

  private peerConnection(tracked: Tracked): RTCPeerConnection | undefined {
    const sdh = tracked.session.sessionDescriptionHandler;
    return sdh instanceof Web.SessionDescriptionHandler ? sdh.peerConnection : undefined;
  }

  private ensureStats(): void {
    if (this.statsTimer) return;
    this.statsTimer = setInterval(() => void this.collectStats(), 1000);
  }

  private async collectStats(): Promise<void> {
    const active = [...this.tracked.values()].filter((t) => t.call.state === 'active');
    if (!active.length) {
      if (this.statsTimer) clearInterval(this.statsTimer);
      this.statsTimer = null;
      return;
    }
    let changed = false;
    for (const tracked of active) {
      const pc = this.peerConnection(tracked);
      if (!pc) continue;
      try {
        const report = await pc.getStats();
        const input = pc.getSenders().find((s) => s.track?.kind === 'audio')?.track ?? null;
        const media: MediaFigures = {
          packetsReceived: 0, packetsSent: 0, bytesReceived: 0, packetsLost: 0, jitterMs: null, inputLabel: input?.label || null, inputEnabled: input ? input.enabled : null,
        };
        report.forEach((stat: RTCStats & Record<string, unknown>) => {
          if (stat.type === 'inbound-rtp' && stat.kind === 'audio') {
            media.packetsReceived += Number(stat.packetsReceived ?? 0);
            media.bytesReceived += Number(stat.bytesReceived ?? 0);
            media.packetsLost += Number(stat.packetsLost ?? 0);
            if (typeof stat.jitter === 'number') media.jitterMs = Math.round(stat.jitter * 1000);
          } else if (stat.type === 'outbound-rtp' && stat.kind === 'audio') {
            media.packetsSent += Number(stat.packetsSent ?? 0);
          }
        });
        tracked.call.media = media;
        changed = true;
      } catch {
        // The connection closed between the filter and the call: the next round skips it.
      }
    }
    if (changed) this.changed();
  }

  private async terminate(tracked: Tracked): Promise<void> {
    const { session } = tracked;
    switch (session.state) {
      case SessionState.Initial:
      case SessionState.Establishing:
        if (session instanceof Inviter) await session.cancel();
        else if (session instanceof Invitation) await session.reject();
        break;
      case SessionState.Established:
        await session.bye();
        break;
      default:
        break;
    }
    if (session.state === SessionState.Terminated) this.finish(tracked);
  }

  /** The call is over: media released, the service told, the record kept a few seconds for the UI. */
  private finish(tracked: Tracked): void {
    const { call } = tracked;
    if (call.state === 'ended') return;
    call.state = 'ended';
    call.endedAt = Date.now();
    call.held = false;
    call.holdPending = false;
    if (tracked.audio) {
      tracked.audio.srcObject = null;
      tracked.audio.remove();
      tracked.audio = null;
    }
    this.options.hooks.onCallEnded(call);
    this.changed();
    setTimeout(() => {
      if (this.tracked.get(call.id) === tracked) {
        this.tracked.delete(call.id);
        this.changed();
      }
      if (!this.wantRegistered && this.tracked.size === 0 && this.ua && !this.stopped) {
        const ua = this.ua;
        this.ua = null;
        void ua.stop().catch(() => undefined);
      }
    }, ENDED_KEEP_MS);
  }

  private get(callId: string): Tracked {
    const tracked = this.tracked.get(callId);
    if (!tracked || tracked.call.state === 'ended') throw new Error('That call is over.');
    return tracked;
  }

  private liveCount(): number {
    return [...this.tracked.values()].filter((t) => t.call.state !== 'ended').length;
  }

  private changed(): void {
    this.options.hooks.onCallsChanged();
  }
}
