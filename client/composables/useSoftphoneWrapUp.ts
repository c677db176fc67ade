import { computed, onUnmounted, ref, watch, type Ref } from 'vue';
import { ApiError } from '@/api/http';
import { fetchLead, fetchLeads, type LeadView } from '@/api/leads';
import { closeCall, fetchCall, type CallView, type CloseCallBody } from '@/api/telephony';
import { dispatcher } from '@/realtime/dispatcher';
import { useCallsStore } from '@/stores/calls';
import { useLeadsStore } from '@/stores/leads';
import { useLeadStatuses } from './useLeadStatuses';

/** The server's 422/400 in words, with the fields it names. */
export function describeRefusal(error: unknown): string {
  if (!(error instanceof ApiError)) return 'The wrap-up could not be saved. Try again.';
  const details = error.details;
  if (Array.isArray(details) && details.length) {
    const parts = details
      .map((d) => (typeof d === 'object' && d !== null ? `${String((d as { path?: unknown }).path ?? '').replace(/^body\./, '')} ${String((d as { message?: unknown }).message ?? '')}`.trim() : ''))
      .filter(Boolean);
    if (parts.length) return `${error.message} (${parts.join('; ')})`;
  }
  return error.message;
}

/**
 * The wrap-up of one call: disposition (the tenant's default preselected), notes (required when the disposition
 * or the lead's next status says so), the related lead (linked at the start, or picked now), its next status and a
 * follow-up date. `submit` sends POST /calls/:id/close and keeps the server's refusal in `error`.
 */
export function useSoftphoneWrapUp(call: Ref<CallView | null>) {
  const calls = useCallsStore();
  const leads = useLeadsStore();
  const { statuses } = useLeadStatuses();

  const dispositionId = ref<number | null>(null);
  const notes = ref('');
  const leadId = ref<number | null>(null);
  const leadName = ref<string | null>(null);
  const leadStatusId = ref<number | null>(null);
  const followup = ref('');
  const error = ref<string | null>(null);
  const busy = ref(false);
  const leadQuery = ref('');
  const leadResults = ref<LeadView[]>([]);
  const searching = ref(false);

  const disposition = computed(() => calls.activeDispositions.find((d) => d.id === dispositionId.value) ?? null);
  const lead = computed(() => (leadId.value === null ? null : (leads.byId[leadId.value] ?? null)));
  const nextStatus = computed(() => (leadStatusId.value === null ? null : (leads.statusById.get(leadStatusId.value) ?? null)));
  const noteRequired = computed(() => !!disposition.value?.requiresNote || !!nextStatus.value?.requiresNote);
  const followupRequired = computed(() => !!nextStatus.value?.requiresFollowupDate);

  function reset(target: CallView | null): void {
    dispositionId.value = calls.defaultDisposition?.id ?? null;
    notes.value = '';
    leadId.value = target?.relatedType === 'lead' ? target.relatedId : null;
    leadName.value = target?.relatedType === 'lead' ? target.relatedName : null;
    leadStatusId.value = null;
    followup.value = '';
    error.value = null;
    leadQuery.value = '';
    leadResults.value = [];
    if (leadId.value !== null) void loadLead(leadId.value);
  }

  async function loadLead(id: number): Promise<void> {
    const stamp = dispatcher.stamp();
    try {
      leads.upsert(await fetchLead(id), stamp);
    } catch {
      // The name from the call is enough to go on.
    }
  }

  watch(() => call.value?.id ?? null, () => reset(call.value), { immediate: true });
  // Dispositions may arrive after the panel opened: preselect the default then.
  watch(
    () => calls.defaultDisposition?.id ?? null,
    (id) => {
      if (dispositionId.value === null || !calls.activeDispositions.some((d) => d.id === dispositionId.value)) dispositionId.value = id;
    },
  );

  let searchTimer: ReturnType<typeof setTimeout> | null = null;
  let searchToken = 0;
  watch(leadQuery, (q) => {
    if (searchTimer) clearTimeout(searchTimer);
    if (q.trim().length < 2) {
      leadResults.value = [];
      return;
    }
    searchTimer = setTimeout(async () => {
      const token = ++searchToken;
      searching.value = true;
      try {
        const page = await fetchLeads({ q: q.trim() }, null, 8);
        if (token === searchToken) leadResults.value = page.data;
      } catch {
        if (token === searchToken) leadResults.value = [];
      } finally {
        if (token === searchToken) searching.value = false;
      }
    }, 250);
  });
  onUnmounted(() => {
    if (searchTimer) clearTimeout(searchTimer);
  });

  function pickLead(picked: LeadView): void {
    leads.upsert(picked, dispatcher.stamp());
    leadId.value = picked.id;
    leadName.value = picked.name;
    leadQuery.value = '';
    leadResults.value = [];
  }

  function unlinkLead(): void {
    if (call.value?.relatedType === 'lead') return; // linked at the start: the server keeps that link
    leadId.value = null;
    leadName.value = null;
    leadStatusId.value = null;
  }

  async function submit(): Promise<boolean> {
    const target = call.value;
    if (!target || busy.value) return false;
    error.value = null;
    if (dispositionId.value === null) {
      error.value = 'Pick a disposition.';
      return false;
    }
    if (noteRequired.value && !notes.value.trim()) {
      error.value = disposition.value?.requiresNote ? `“${disposition.value.name}” needs a note.` : `Moving the lead to “${nextStatus.value?.name}” needs a note.`;
      return false;
    }
    let nextFollowupAt: string | undefined;
    if (followup.value) {
      const t = Date.parse(followup.value);
      if (!Number.isFinite(t)) {
        error.value = 'The follow-up date is not a date.';
        return false;
      }
      nextFollowupAt = new Date(t).toISOString();
    } else if (followupRequired.value) {
      error.value = `Moving the lead to “${nextStatus.value?.name}” needs a follow-up date.`;
      return false;
    }
    const body: CloseCallBody = { dispositionId: dispositionId.value };
    if (notes.value.trim()) body.notes = notes.value.trim();
    if (leadId.value !== null && !(target.relatedType === 'lead' && target.relatedId === leadId.value)) body.leadId = leadId.value;
    if (leadId.value !== null && leadStatusId.value !== null) body.leadStatusId = leadStatusId.value;
    if (leadId.value !== null && nextFollowupAt) body.nextFollowupAt = nextFollowupAt;
    busy.value = true;
    const stamp = dispatcher.stamp();
    try {
      const closed = await closeCall(target.id, body);
      calls.applyCall(closed, stamp);
      return true;
    } catch (failure) {
      error.value = describeRefusal(failure);
      if (failure instanceof ApiError && failure.status === 409) {
        // The call is not what this panel thought (another tab closed it first?): show it as it is now.
        const fresh = await fetchCall(target.id).catch(() => null);
        if (fresh) calls.applyCall(fresh, stamp);
        if (fresh?.status === 'closed') return true;
      }
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    dispositionId,
    notes,
    leadId,
    leadName,
    lead,
    leadStatusId,
    nextStatus,
    followup,
    error,
    busy,
    leadQuery,
    leadResults,
    searching,
    disposition,
    noteRequired,
    followupRequired,
    statuses,
    dispositions: computed(() => calls.activeDispositions),
    pickLead,
    unlinkLead,
    submit,
  };
}
