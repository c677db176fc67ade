import { defineStore } from 'pinia';
import { computed, reactive, ref } from 'vue';
import type { BoardColumn, LeadStatusView, LeadView, Page } from '@/api/leads';

/** What a lead looked like before an event, for a lead this console did not hold (the event says it). */
export interface LeadBefore {
  statusId: number;
  assignedToId: number | null;
}

interface WriteOptions {
  /** 'new' for a created lead; otherwise where it was, when the console did not hold it. */
  before?: LeadBefore | 'new';
  /** The event brings the lead onto the board (created, moved, assigned): show it even beyond the loaded pages. */
  joinBoard?: boolean;
}

export interface BoardColumnView {
  status: LeadStatusView;
  /** Leads in this column on the server (kept current by events), adjusted for the moves in flight. */
  count: number;
  cards: LeadView[];
  nextCursor: string | null;
}

/**
 * The lead pipeline: the statuses (columns), every lead the console holds (by id), and the kanban board's
 * membership and counts.
 *
 * Every write carries the lead's `version` (the server bumps it on each change) and the realtime seq it is current
 * as of (an event's seq, or for a REST answer the seq the console had applied when it sent the request). A write
 * with an older version, or the same version as of an older seq, changes nothing: a late event or a slow REST
 * answer never undoes a newer one, and an event applied twice is a no-op. A deleted lead leaves a tombstone, so a
 * snapshot read before the deletion cannot bring it back.
 *
 * Counts move only when a lead's column (or its match with the board's assignee filter) changes between two
 * accepted versions, so the HTTP answer to one's own move and the lead:moved event that announces it, in whichever
 * order they come, move the count once.
 *
 * While a card is dragged, writes to that one lead wait (`freeze`/`thaw`): the card the user holds does not change
 * under the pointer, and what arrived meanwhile is applied after the drop. Moves in flight are shown through
 * `pendingMoves` (lead → target status) and simply dropped when the server refuses them: the card snaps back.
 */
export const useLeadsStore = defineStore('leads', () => {
  const byId = ref<Record<number, LeadView>>({});
  const deleted = ref<Record<number, true>>({});
  const statuses = ref<LeadStatusView[]>([]);
  const statusesLoaded = ref(false);
  const pendingMoves = ref<Record<number, number>>({});
  /** Bumped when what the console holds may be out of date without an event to say how (resync, bulk changes). */
  const staleEpoch = ref(0);
  /** Bumped on every lead:created, so a filtered list can offer to refresh. */
  const createdTick = ref(0);

  const board = reactive({
    loaded: false,
    /** The board shows only this user's leads (null: everyone's). */
    assignedToId: null as number | null,
    members: new Set<number>(),
    counts: {} as Record<number, number>,
    cursors: {} as Record<number, string | null>,
  });

  // Guards, deliberately not reactive: they never show on screen.
  const seqOf = new Map<number, number>();
  let statusesSeq = -1;
  const frozen = new Map<number, (() => void)[]>();
  let boardLoadToken = 0;
  /** Leads that events brought onto the board while a board snapshot was in flight. */
  let joinedDuringLoad: Set<number> | null = null;

  const statusById = computed(() => new Map(statuses.value.map((status) => [status.id, status])));

  const matchesBoard = (lead: { assignedToId: number | null }) => board.assignedToId === null || lead.assignedToId === board.assignedToId;
  /** The column a lead counts in on the board, or null when the board's filter leaves it out. */
  const countKey = (lead: LeadBefore) => (matchesBoard(lead) ? lead.statusId : null);
  const shownStatus = (lead: LeadView) => pendingMoves.value[lead.id] ?? lead.statusId;

  function bump(statusId: number | null, delta: number): void {
    if (statusId === null) return;
    board.counts[statusId] = Math.max(0, (board.counts[statusId] ?? 0) + delta);
  }

  /** The one way a lead gets into the store. Returns true when it was applied. */
  function write(lead: LeadView, seq: number, options: WriteOptions = {}): boolean {
    if (deleted.value[lead.id]) return false;
    const waiting = frozen.get(lead.id);
    if (waiting) {
      waiting.push(() => write(lead, seq, options));
      return false;
    }
    const current = byId.value[lead.id];
    if (current && (lead.version < current.version || (lead.version === current.version && seq < (seqOf.get(lead.id) ?? -1)))) return false;
    seqOf.set(lead.id, seq);
    const before = current ? countKey(current) : options.before === 'new' ? null : options.before ? countKey(options.before) : undefined;
    // A status renamed or recoloured since this copy was made: the statuses list is the authority.
    const status = statusById.value.get(lead.statusId);
    const next = status ? { ...lead, statusName: status.name, statusColor: status.color } : { ...lead };
    if (current) Object.assign(current, next);
    else byId.value[lead.id] = next;
    if (board.loaded) {
      const after = countKey(lead);
      if (before !== undefined && before !== after) {
        bump(before, -1);
        bump(after, +1);
      }
      if (options.joinBoard && after !== null) board.members.add(lead.id);
    }
    if (options.joinBoard) joinedDuringLoad?.add(lead.id);
    return true;
  }

  /** A lead read over REST (a page, a detail, the answer to one's own change), current as of `stamp`. */
  function upsert(lead: LeadView, stamp: number): boolean {
    return write(lead, stamp);
  }

  function upsertMany(leads: readonly LeadView[], stamp: number): void {
    for (const lead of leads) write(lead, stamp);
  }

  /** lead:created / lead:updated / lead:moved / lead:assigned. */
  function applyCreated(lead: LeadView, seq: number): void {
    if (write(lead, seq, { before: 'new', joinBoard: true })) createdTick.value += 1;
  }
  function applyUpdated(lead: LeadView, seq: number): void {
    // An edit moves no lead between columns: an unknown lead was where it is now.
    write(lead, seq, { before: { statusId: lead.statusId, assignedToId: lead.assignedToId } });
  }
  function applyMoved(lead: LeadView, fromStatusId: number, seq: number): void {
    write(lead, seq, { before: { statusId: fromStatusId, assignedToId: lead.assignedToId }, joinBoard: true });
  }
  function applyAssigned(lead: LeadView, previousAssigneeId: number | null, seq: number): void {
    write(lead, seq, { before: { statusId: lead.statusId, assignedToId: previousAssigneeId }, joinBoard: true });
  }

  /** lead:deleted (or a 404 for a lead the console held). */
  function applyDeleted(id: number, statusId: number | null, seq: number): void {
    const waiting = frozen.get(id);
    if (waiting) {
      waiting.push(() => applyDeleted(id, statusId, seq));
      return;
    }
    if (deleted.value[id]) return;
    const current = byId.value[id];
    // Without the lead in hand, a filtered board cannot tell whether it was counted.
    const key = current ? countKey(current) : board.assignedToId === null ? statusId : null;
    deleted.value[id] = true;
    board.members.delete(id);
    delete pendingMoves.value[id];
    if (board.loaded) bump(key, -1);
  }

  // ------------------------------------------------------------------ statuses

  function setStatuses(list: readonly LeadStatusView[], stamp: number): void {
    if (stamp < statusesSeq) return;
    statusesSeq = stamp;
    statuses.value = list
      .map(({ leadCount: _count, ...status }) => status)
      .sort((a, b) => a.sortOrder - b.sortOrder || a.id - b.id);
    statusesLoaded.value = true;
    for (const lead of Object.values(byId.value)) {
      const status = statusById.value.get(lead.statusId);
      if (status && (lead.statusName !== status.name || lead.statusColor !== status.color)) Object.assign(lead, { statusName: status.name, statusColor: status.color });
    }
  }

  /** lead-statuses:changed. */
  function applyStatuses(list: readonly LeadStatusView[], seq: number): void {
    if (seq < statusesSeq) return;
    const previous = statusById.value;
    setStatuses(list, seq);
    // Deleting a status moves its leads, and closing one clears their follow-ups, with no event per lead:
    // whatever the console holds about leads may be out of date.
    const now = statusById.value;
    const bulkChange = [...previous.values()].some((status) => !now.has(status.id) || (!status.isClosed && now.get(status.id)!.isClosed));
    if (bulkChange) invalidate();
  }

  // ------------------------------------------------------------------ board

  const boardColumns = computed<BoardColumnView[]>(() => {
    const byStatus = new Map<number, LeadView[]>();
    const delta = new Map<number, number>();
    for (const id of board.members) {
      const lead = byId.value[id];
      if (!lead || deleted.value[id] || !matchesBoard(lead)) continue;
      const shown = shownStatus(lead);
      if (!byStatus.has(shown)) byStatus.set(shown, []);
      byStatus.get(shown)!.push(lead);
    }
    for (const [id, to] of Object.entries(pendingMoves.value)) {
      const lead = byId.value[Number(id)];
      if (!lead || lead.statusId === to || !matchesBoard(lead)) continue;
      delta.set(lead.statusId, (delta.get(lead.statusId) ?? 0) - 1);
      delta.set(to, (delta.get(to) ?? 0) + 1);
    }
    return statuses.value.map((status) => ({
      status,
      count: Math.max(0, (board.counts[status.id] ?? 0) + (delta.get(status.id) ?? 0)),
      // Newest lead first, as the server pages a column.
      cards: (byStatus.get(status.id) ?? []).sort((a, b) => b.id - a.id),
      nextCursor: board.cursors[status.id] ?? null,
    }));
  });

  /** A board snapshot is about to be requested; returns the token `applyBoard` must present. */
  function beginBoardLoad(): number {
    boardLoadToken += 1;
    joinedDuringLoad = new Set();
    return boardLoadToken;
  }

  /**
   * The answer of GET /leads/board, current as of `stamp`. Leads that events brought onto the board while it was
   * in flight stay on it. Returns true when such events came (the counts may then be one off: refresh them).
   */
  function applyBoard(token: number, columns: readonly BoardColumn[], stamp: number, assignedToId: number | null): boolean | null {
    if (token !== boardLoadToken) return null;
    const joined = joinedDuringLoad ?? new Set<number>();
    joinedDuringLoad = null;
    setStatuses(columns.map((column) => column.status), stamp);
    board.loaded = false; // the snapshot's counts replace the old ones below
    board.assignedToId = assignedToId;
    for (const column of columns) upsertMany(column.cards, stamp);
    const members = new Set<number>(columns.flatMap((column) => column.cards.map((card) => card.id)));
    for (const id of joined) if (byId.value[id] && !deleted.value[id]) members.add(id);
    // A card being dragged stays on the board whatever the snapshot says.
    for (const id of frozen.keys()) members.add(id);
    board.members = members;
    board.counts = Object.fromEntries(columns.map((column) => [column.status.id, column.count]));
    board.cursors = Object.fromEntries(columns.map((column) => [column.status.id, column.nextCursor]));
    board.loaded = true;
    return joined.size > 0;
  }

  /** Fresh per-column counts (GET /lead-statuses?counts=true) for the unfiltered board. */
  function applyCounts(list: readonly LeadStatusView[]): void {
    if (!board.loaded || board.assignedToId !== null) return;
    for (const status of list) if (status.leadCount !== undefined) board.counts[status.id] = status.leadCount;
  }

  /** The next page of one column. */
  function appendColumn(statusId: number, page: Page<LeadView>, stamp: number): void {
    upsertMany(page.data, stamp);
    for (const lead of page.data) if (!deleted.value[lead.id]) board.members.add(lead.id);
    board.cursors[statusId] = page.nextCursor;
  }

  // ------------------------------------------------------------------ moves and drags

  function setPendingMove(id: number, statusId: number): void {
    pendingMoves.value[id] = statusId;
  }

  function clearPendingMove(id: number): void {
    delete pendingMoves.value[id];
  }

  /** The user picked up this card: hold back writes to it until `thaw`. */
  function freeze(id: number): void {
    if (!frozen.has(id)) frozen.set(id, []);
  }

  /** The card was dropped: apply what arrived for it meanwhile, in order (the guards drop what is older). */
  function thaw(id: number): void {
    const waiting = frozen.get(id);
    frozen.delete(id);
    for (const apply of waiting ?? []) apply();
  }

  // ------------------------------------------------------------------ housekeeping

  function invalidate(): void {
    staleEpoch.value += 1;
  }

  /** The server's sequence went backwards: seqs recorded mean nothing any more (versions still do). */
  function forgetSequence(): void {
    seqOf.clear();
    statusesSeq = -1;
  }

  function reset(): void {
    byId.value = {};
    deleted.value = {};
    statuses.value = [];
    statusesLoaded.value = false;
    pendingMoves.value = {};
    board.loaded = false;
    board.assignedToId = null;
    board.members = new Set();
    board.counts = {};
    board.cursors = {};
    seqOf.clear();
    statusesSeq = -1;
    frozen.clear();
    joinedDuringLoad = null;
    boardLoadToken += 1;
  }

  /** user:renamed: the assignee's name on every lead the console holds. */
  function renameUser(userId: number, name: string): void {
    for (const lead of Object.values(byId.value)) if (lead.assignedToId === userId && lead.assignedToName !== name) lead.assignedToName = name;
  }

  return {
    renameUser,
    byId,
    deleted,
    statuses,
    statusesLoaded,
    statusById,
    pendingMoves,
    staleEpoch,
    createdTick,
    board,
    boardColumns,
    upsert,
    upsertMany,
    applyCreated,
    applyUpdated,
    applyMoved,
    applyAssigned,
    applyDeleted,
    setStatuses,
    applyStatuses,
    beginBoardLoad,
    applyBoard,
    applyCounts,
    appendColumn,
    setPendingMove,
    clearPendingMove,
    freeze,
    thaw,
    invalidate,
    forgetSequence,
    reset,
  };
});
