import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import type { PresenceReason, PresenceView } from '@/api/presence';
import type { DomainEvents } from '@shared/realtime';
import { useSessionStore } from './session';

type UserEvent = DomainEvents['user:updated'];

/**
 * Presence of the tenant's users (by userId), the signed-in user's own state, and the "not ready" reasons.
 *
 * Every write carries the realtime sequence number it is current as of: an event its envelope's seq, a REST
 * snapshot the highest seq the console had applied when it sent the request. A write older than what a row
 * already holds is ignored, so a repeated or late event changes nothing, and a snapshot that was read before an
 * event arrived does not undo that event. (Presence and profile fields are guarded separately: a user:updated
 * must not hide a presence:changed published just before it.)
 */
export const usePresenceStore = defineStore('presence', () => {
  const session = useSessionStore();

  const agents = ref<Record<number, PresenceView>>({});
  /** True once a full snapshot was applied: from then on the list is complete and kept live. */
  const agentsLoaded = ref(false);
  /** The signed-in user's state as the server last told it; null while unknown. */
  const me = ref<PresenceView | null>(null);
  const reasons = ref<PresenceReason[]>([]);
  const reasonsLoaded = ref(false);

  // Guards, deliberately not reactive: they never show on screen.
  const presenceSeq = new Map<number, number>();
  const profileSeq = new Map<number, number>();
  let meSeq = -1;

  const agentList = computed(() => Object.values(agents.value).sort((a, b) => a.name.localeCompare(b.name) || a.userId - b.userId));
  const activeReasons = computed(() => reasons.value.filter((reason) => reason.isActive));

  const myId = () => session.user?.id ?? null;

  function upsertAgent(view: PresenceView): void {
    const existing = agents.value[view.userId];
    // Field by field, so that an unchanged value does not re-render anything.
    if (existing) Object.assign(existing, view);
    else agents.value[view.userId] = { ...view };
  }

  function setMe(view: PresenceView, seq: number): void {
    if (seq < meSeq) return;
    meSeq = seq;
    if (me.value) Object.assign(me.value, view);
    else me.value = { ...view };
  }

  /** presence:changed. */
  function applyPresence(view: PresenceView, seq: number): void {
    if (view.userId === myId()) setMe(view, seq);
    if (seq <= (presenceSeq.get(view.userId) ?? -1)) return;
    presenceSeq.set(view.userId, seq);
    upsertAgent(view);
  }

  /** GET /presence, as of `stamp`. Rows changed by a newer event keep that event's values; users gone are dropped. */
  function applySnapshot(list: PresenceView[], stamp: number): void {
    const seen = new Set<number>();
    for (const view of list) {
      seen.add(view.userId);
      if (view.userId === myId() && meSeq <= stamp) setMe(view, stamp);
      const presenceFresh = (presenceSeq.get(view.userId) ?? -1) <= stamp;
      const profileFresh = (profileSeq.get(view.userId) ?? -1) <= stamp;
      const existing = agents.value[view.userId];
      if (!existing) {
        // Deactivated after the snapshot was read: a tombstone in profileSeq says so.
        if (!profileFresh) continue;
        upsertAgent(view);
      } else {
        if (presenceFresh) Object.assign(existing, { state: view.state, reasonId: view.reasonId, reasonName: view.reasonName, since: view.since });
        if (profileFresh) Object.assign(existing, { name: view.name, role: view.role });
      }
      if (presenceFresh) presenceSeq.set(view.userId, stamp);
      if (profileFresh) profileSeq.set(view.userId, stamp);
    }
    for (const id of Object.keys(agents.value).map(Number)) {
      if (!seen.has(id) && (presenceSeq.get(id) ?? -1) <= stamp && (profileSeq.get(id) ?? -1) <= stamp) delete agents.value[id];
    }
    agentsLoaded.value = true;
  }

  /** user:created / user:updated: names and roles follow; a deactivated user leaves the list. */
  function applyUser(user: UserEvent, seq: number): void {
    if (user.id === myId() && session.user) Object.assign(session.user, { name: user.name, email: user.email, role: user.role });
    if (seq <= (profileSeq.get(user.id) ?? -1)) return;
    profileSeq.set(user.id, seq);
    const existing = agents.value[user.id];
    if (!user.isActive) {
      if (existing) delete agents.value[user.id];
    } else if (existing) {
      Object.assign(existing, { name: user.name, role: user.role });
    } else if (agentsLoaded.value) {
      // A new (or reactivated) user has no live socket yet: offline until their first presence:changed.
      upsertAgent({ userId: user.id, name: user.name, role: user.role, state: 'offline', reasonId: null, reasonName: null, since: null });
    }
  }

  /** user:renamed (to the whole tenant; user:updated reaches holders of users.view only). */
  function renameUser(userId: number, name: string): void {
    if (userId === myId() && session.user && session.user.name !== name) session.user.name = name;
    const agent = agents.value[userId];
    if (agent && agent.name !== name) agent.name = name;
    if (me.value?.userId === userId && me.value.name !== name) me.value.name = name;
  }

  /** The answer to our own presence:set, current as of `stamp`. */
  function applyOwnAck(view: PresenceView, stamp: number): void {
    setMe(view, stamp);
    if ((presenceSeq.get(view.userId) ?? -1) <= stamp && agents.value[view.userId]) upsertAgent(view);
  }

  /** The own state saved by this tab before a reload, with the seq it was current as of. */
  function restoreMe(view: PresenceView, seq: number): void {
    setMe(view, seq);
  }

  function currentMeSeq(): number {
    return meSeq;
  }

  /**
   * The server's sequence went backwards (its Redis lost data): the recorded seqs mean nothing any more. Keep the
   * values, accept whatever comes next.
   */
  function forgetSequence(): void {
    presenceSeq.clear();
    profileSeq.clear();
    meSeq = -1;
  }

  function setReasons(list: PresenceReason[]): void {
    reasons.value = [...list].sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
    reasonsLoaded.value = true;
  }

  function upsertReason(reason: PresenceReason): void {
    const index = reasons.value.findIndex((r) => r.id === reason.id);
    if (index >= 0) reasons.value.splice(index, 1, reason);
    else reasons.value.push(reason);
    reasons.value.sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
  }

  function reset(): void {
    agents.value = {};
    agentsLoaded.value = false;
    me.value = null;
    reasons.value = [];
    reasonsLoaded.value = false;
    presenceSeq.clear();
    profileSeq.clear();
    meSeq = -1;
  }

  return {
    agents,
    agentsLoaded,
    agentList,
    me,
    reasons,
    reasonsLoaded,
    activeReasons,
    applyPresence,
    applySnapshot,
    applyUser,
    renameUser,
    applyOwnAck,
    restoreMe,
    currentMeSeq,
    forgetSequence,
    setReasons,
    upsertReason,
    reset,
  };
});
