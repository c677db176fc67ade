import { onUnmounted, ref, shallowRef } from 'vue';
import { ApiError } from '@/api/http';
import { moveLead, type LeadStatusView, type LeadView } from '@/api/leads';
import { dispatcher } from '@/realtime/dispatcher';
import { useLeadsStore } from '@/stores/leads';

export interface MoveDialogState {
  lead: LeadView;
  target: LeadStatusView;
  /** The version the user saw when they picked the card up: the move wins only if it is still current. */
  version: number;
  needNote: boolean;
  needFollowup: boolean;
  error: string | null;
  busy: boolean;
}

export interface MoveFailure {
  leadId: number;
  message: string;
  /** `conflict`: someone else changed the lead first (409); `rejected`: any other refusal. */
  kind: 'conflict' | 'rejected';
}

const ERROR_SHOWN_MS = 12_000;

interface FieldDetail {
  path?: unknown;
  message?: unknown;
}

function detailPaths(details: unknown): string[] {
  return Array.isArray(details) ? (details as FieldDetail[]).map((d) => (typeof d.path === 'string' ? d.path : '')).filter(Boolean) : [];
}

/**
 * Moving a lead to another status, with the target's rules: when it requires a note or a follow-up date, a
 * dialog asks for them first. The card shows in the target column at once (a pending move in the store); a
 * refusal drops the pending move, so the card snaps back, and says why. A 409 means someone else changed the
 * lead first: the card is refreshed with the server's current lead.
 */
export function useLeadMove() {
  const store = useLeadsStore();
  const dialog = ref<MoveDialogState | null>(null);
  const failure = shallowRef<MoveFailure | null>(null);
  const busy = ref(new Set<number>());
  let failureTimer: ReturnType<typeof setTimeout> | null = null;

  function showFailure(next: MoveFailure): void {
    failure.value = next;
    if (failureTimer) clearTimeout(failureTimer);
    failureTimer = setTimeout(() => (failure.value = null), ERROR_SHOWN_MS);
  }

  function dismissFailure(): void {
    failure.value = null;
    if (failureTimer) clearTimeout(failureTimer);
    failureTimer = null;
  }

  /** Starts a move of `lead` (as the user saw it) to `statusId`. */
  function begin(lead: LeadView, statusId: number, version = lead.version): void {
    const target = store.statusById.get(statusId);
    if (!target || lead.statusId === statusId || busy.value.has(lead.id) || dialog.value) return;
    dismissFailure();
    store.setPendingMove(lead.id, target.id);
    if (target.requiresNote || target.requiresFollowupDate) {
      dialog.value = { lead, target, version, needNote: target.requiresNote, needFollowup: target.requiresFollowupDate, error: null, busy: false };
      return;
    }
    void send({ lead, target, version }, {});
  }

  /** The dialog's answer: a note and/or a follow-up (ISO), as the target requires. */
  function confirm(values: { note: string; followup: string | null }): void {
    const open = dialog.value;
    if (!open || open.busy) return;
    const note = values.note.trim();
    if (open.needNote && !note) {
      open.error = `Moving into “${open.target.name}” needs a note.`;
      return;
    }
    if (open.needFollowup) {
      const at = values.followup ? Date.parse(values.followup) : NaN;
      if (!Number.isFinite(at)) {
        open.error = `Moving into “${open.target.name}” needs a follow-up date.`;
        return;
      }
      if (at <= Date.now()) {
        open.error = 'The follow-up date must be in the future.';
        return;
      }
    }
    open.error = null;
    void send(open, { note: note || undefined, nextFollowupAt: open.needFollowup && values.followup ? new Date(values.followup).toISOString() : undefined });
  }

  function cancel(): void {
    const open = dialog.value;
    if (!open || open.busy) return;
    dialog.value = null;
    store.clearPendingMove(open.lead.id);
  }

  async function send(request: { lead: LeadView; target: LeadStatusView; version: number }, extra: { note?: string; nextFollowupAt?: string }): Promise<void> {
    const id = request.lead.id;
    const stamp = dispatcher.stamp();
    busy.value.add(id);
    if (dialog.value) dialog.value.busy = true;
    try {
      const moved = await moveLead(id, { statusId: request.target.id, version: request.version, ...extra });
      // In one tick: the answer moves the lead (and its counts), and the pending move goes.
      store.upsert(moved, stamp);
      store.clearPendingMove(id);
      if (dialog.value?.lead.id === id) dialog.value = null;
    } catch (error) {
      if (dialog.value) dialog.value.busy = false;
      if (error instanceof ApiError && error.status === 422 && error.code === 'move_requirements') {
        // The column's rules changed since the board was read: ask for what the server says is missing.
        const paths = detailPaths(error.details);
        const open = dialog.value?.lead.id === id ? dialog.value : null;
        dialog.value = {
          ...request,
          needNote: paths.includes('body.note') || (open?.needNote ?? false),
          needFollowup: paths.includes('body.nextFollowupAt') || (open?.needFollowup ?? false),
          error: error.message,
          busy: false,
        };
        return;
      }
      if (dialog.value?.lead.id === id && error instanceof ApiError && (error.status === 422 || error.status === 400)) {
        // Something the user can correct in the dialog (a date in the past, a note too long): keep it open.
        dialog.value.error = error.message;
        return;
      }
      if (dialog.value?.lead.id === id) dialog.value = null;
      store.clearPendingMove(id);
      if (error instanceof ApiError && error.status === 409 && error.code === 'stale_version') {
        const current = (error.details as { current?: LeadView } | undefined)?.current;
        if (current) store.upsert(current, stamp);
        showFailure({ leadId: id, kind: 'conflict', message: `Someone else changed “${current?.name ?? request.lead.name}” first, so it was not moved. The card now shows the current lead; try again if you still want to move it.` });
      } else if (error instanceof ApiError && error.status === 404) {
        store.applyDeleted(id, null, stamp);
        showFailure({ leadId: id, kind: 'rejected', message: `“${request.lead.name}” no longer exists.` });
      } else {
        const reason = error instanceof ApiError ? error.message : 'The server could not be reached.';
        showFailure({ leadId: id, kind: 'rejected', message: `“${request.lead.name}” was not moved to ${request.target.name}: ${reason}` });
      }
    } finally {
      busy.value.delete(id);
    }
  }

  onUnmounted(() => {
    if (failureTimer) clearTimeout(failureTimer);
    // A dialog left open (navigation away) is a cancelled move.
    if (dialog.value && !dialog.value.busy) store.clearPendingMove(dialog.value.lead.id);
    dialog.value = null;
  });

  return { dialog, failure, busy, begin, confirm, cancel, dismissFailure };
}
