import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { CallView, DispositionView, LiveCall, ScreenPop } from '@/api/telephony';
import type { DomainEvents } from '@shared/realtime';
import { useSessionStore } from './session';

/** A call only moves forward: ringing → in_progress → ended → closed. */
const RANK: Record<CallView['status'], number> = { ringing: 0, in_progress: 1, ended: 2, closed: 3 };

function toLive(call: CallView): LiveCall {
  return {
    callId: call.id,
    userId: call.userId,
    userName: call.userName,
    direction: call.direction,
    number: call.direction === 'inbound' ? call.fromNumber : call.toNumber,
    status: call.status,
    startedAt: call.startedAt,
    answeredAt: call.answeredAt,
  };
}

/**
 * Calls as the console knows them: the ones events and REST answers brought (by id), the supervisor's list of
 * calls ringing or in progress (`live`), the dispositions, and the screen pops the server pushed with `call:ringing`.
 *
 * Every write carries the realtime seq it is current as of (an event's seq; for a REST answer, the seq the console
 * had applied when it asked). A call never goes back in its life (status rank), and at the same rank an older seq
 * changes nothing: a late event or a slow answer never undoes a newer state, and an event applied twice is a no-op.
 *
 * The agent's own calls that are `ended` (not yet wrapped up) are the wrap-ups the console insists on.
 */
export const useCallsStore = defineStore('calls', () => {
  const session = useSessionStore();

  const byId = ref<Record<number, CallView>>({});
  const live = ref<Record<number, LiveCall>>({});
  const liveLoaded = ref(false);
  /** In order (sortOrder, then id). */
  const dispositions = ref<DispositionView[]>([]);
  const screenPops = ref<Record<number, ScreenPop>>({});
  /** Bumped on every call event: lists and figures that cannot be patched re-read themselves. */
  const changeTick = ref(0);
  /** Bumped when this user's SIP credentials changed: the softphone reads them again. */
  const credentialsTick = ref(0);

  // Guards, deliberately not reactive.
  const seqOf = new Map<number, number>();
  const liveSeqOf = new Map<number, number>();
  let dispositionsSeq = -1;

  const myId = () => session.user?.id ?? null;

  /** The agent's calls waiting for a wrap-up, oldest first. */
  const wrapUps = computed(() =>
    Object.values(byId.value)
      .filter((call) => call.status === 'ended' && call.userId !== null && call.userId === myId())
      .sort((a, b) => (a.endedAt ?? a.startedAt).localeCompare(b.endedAt ?? b.startedAt) || a.id - b.id),
  );

  const liveList = computed(() => Object.values(live.value).sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.callId - b.callId));

  const activeDispositions = computed(() => dispositions.value.filter((d) => d.isActive));
  const defaultDisposition = computed(() => activeDispositions.value.find((d) => d.isDefault) ?? activeDispositions.value[0] ?? null);

  function writeLive(call: CallView, seq: number): void {
    if (seq < (liveSeqOf.get(call.id) ?? -1)) return;
    const current = live.value[call.id];
    if (current && RANK[current.status] > RANK[call.status]) return;
    liveSeqOf.set(call.id, seq);
    // As GET /calls/live: ringing and in progress. An ended call's agent is in wrap-up (their presence says so).
    if (call.status === 'ended' || call.status === 'closed') delete live.value[call.id];
    else live.value[call.id] = toLive(call);
  }

  /** A call from an event (its seq) or a REST answer (the stamp). Returns true when it was applied. */
  function applyCall(call: CallView, seq: number): boolean {
    writeLive(call, seq);
    const current = byId.value[call.id];
    if (current) {
      const newer = RANK[call.status] > RANK[current.status] || (RANK[call.status] === RANK[current.status] && seq >= (seqOf.get(call.id) ?? -1));
      if (!newer) return false;
      // A pushed call has no recording URL; keep the one a REST answer gave.
      Object.assign(current, { ...call, recordingUrl: call.recordingUrl ?? current.recordingUrl });
    } else {
      byId.value[call.id] = { ...call };
    }
    seqOf.set(call.id, seq);
    return true;
  }

  function applyMany(calls: readonly CallView[], stamp: number): void {
    for (const call of calls) applyCall(call, stamp);
  }

  /** call:ringing / call:answered / call:ended / call:closed. */
  function applyEvent(data: DomainEvents['call:answered'], seq: number): void {
    applyCall(data.call, seq);
    changeTick.value += 1;
  }

  function applyRinging(data: DomainEvents['call:ringing'], seq: number): void {
    if (data.screenPop) screenPops.value[data.call.id] = data.screenPop;
    applyEvent(data, seq);
  }

  /** call:recording (holders of calls.recordings.view). */
  function applyRecording(data: DomainEvents['call:recording']): void {
    const call = byId.value[data.callId];
    if (call) Object.assign(call, { hasRecording: true, recordingUrl: data.recordingUrl });
    changeTick.value += 1;
  }

  /** GET /calls/live, as of `stamp`. Calls an event changed after the stamp keep the event's state. */
  function applyLiveSnapshot(list: readonly LiveCall[], stamp: number): void {
    const seen = new Set<number>();
    for (const row of list) {
      seen.add(row.callId);
      if ((liveSeqOf.get(row.callId) ?? -1) > stamp) continue;
      liveSeqOf.set(row.callId, stamp);
      live.value[row.callId] = { ...row };
    }
    for (const id of Object.keys(live.value).map(Number)) {
      if (!seen.has(id) && (liveSeqOf.get(id) ?? -1) <= stamp) delete live.value[id];
    }
    liveLoaded.value = true;
  }

  function setDispositions(list: readonly DispositionView[], seq: number): void {
    if (seq < dispositionsSeq) return;
    dispositionsSeq = seq;
    dispositions.value = [...list].sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
  }

  /** sip-credentials:changed. */
  function applyCredentialsChanged(data: DomainEvents['sip-credentials:changed']): void {
    if (data.userId === myId()) credentialsTick.value += 1;
  }

  function reset(): void {
    byId.value = {};
    live.value = {};
    liveLoaded.value = false;
    dispositions.value = [];
    screenPops.value = {};
    seqOf.clear();
    liveSeqOf.clear();
    dispositionsSeq = -1;
  }

  /** user:renamed: the agent's name on every call the console holds, and the figures that show it re-read. */
  function renameUser(userId: number, name: string): void {
    for (const call of Object.values(byId.value)) if (call.userId === userId && call.userName !== name) call.userName = name;
    for (const row of Object.values(live.value)) if (row.userId === userId && row.userName !== name) row.userName = name;
    changeTick.value += 1;
  }

  return {
    renameUser,
    byId,
    live,
    liveList,
    liveLoaded,
    dispositions,
    activeDispositions,
    defaultDisposition,
    screenPops,
    changeTick,
    credentialsTick,
    wrapUps,
    applyCall,
    applyMany,
    applyEvent,
    applyRinging,
    applyRecording,
    applyLiveSnapshot,
    setDispositions,
    applyCredentialsChanged,
    reset,
  };
});
