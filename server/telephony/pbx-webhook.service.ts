import type { TenantContext } from '../http/context.ts';
import { UnprocessableError } from '../http/errors.ts';
import type { PbxEventBody } from '../../shared/schemas/telephony.ts';
import { derive, eventsOf, insertCall, mergeRows, updateCall, wholeSeconds, withCallLocks, type CallRow, type StoredPbxEvent } from './calls.store.ts';
import { normalizeNumber, type Match } from './screen-pop.ts';
import type { CallChange, CallService } from './calls.service.ts';

/** How far ahead of our clock an event's timestamp may be (the PBX's clock may drift a little). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface PbxReceipt {
  ok: true;
  /** The same (call_id, event) was stored before: nothing changed. */
  duplicate: boolean;
  /** Our id of the call the event belongs to. */
  callId: number | null;
}

/**
 * POST /webhooks/pbx (DESIGN.md §3): one call event per request, from a tenant API
 * key with the `pbx` scope. Each event is stored once in pbx_events (unique on
 * tenant, call_id, event: a retry answers duplicate: true and changes nothing),
 * then the call is recomputed from every event stored for it, so events that come
 * late, twice or out of order leave the same record. The call is matched with
 * what the console reported (console_call_id = the X-CC-Call-Id header the console
 * sets, or the SIP Call-ID) so that one real call is one row.
 */
export class PbxWebhookService {
  constructor(private readonly calls: CallService) {}

  async receive(ctx: TenantContext, body: PbxEventBody): Promise<PbxReceipt> {
    const tenantId = ctx.principal.tenantId;
    const occurredAt = wholeSeconds(new Date(body.timestamp));
    if (occurredAt.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw new UnprocessableError('The event\'s timestamp is in the future.', [{ path: 'body.timestamp', message: 'is more than 5 minutes ahead of the server\'s clock' }], 'timestamp_in_future');
    }
    if (body.event === 'call.recording_ready' && !body.recording_url) {
      throw new UnprocessableError('call.recording_ready needs the recording_url.', [{ path: 'body.recording_url', message: 'is required with call.recording_ready' }], 'recording_url_required');
    }
    const { country, agent, wrapupTimeoutSeconds } = await this.calls.context(ctx.em, tenantId, body.extension);
    const from = normalizeNumber(body.from, country);
    const to = normalizeNumber(body.to, country);
    const agentId = agent?.id ?? null;
    const payload = { ...body } as Record<string, unknown>;

    const result = await withCallLocks(ctx.em, tenantId, { pbxCallId: body.call_id, consoleCallId: body.console_call_id, sipCallId: body.sip_call_id }, async (tx) => {
      const insertEvent = async (callId: number) => {
        const res = (await tx.em.execute(
          'insert ignore into pbx_events (tenant_id, pbx_call_id, event, call_id, payload, occurred_at, received_at) values (?, ?, ?, ?, ?, ?, ?)',
          [tenantId, body.call_id, body.event, callId, JSON.stringify(payload), occurredAt, new Date()],
          'run',
        )) as { affectedRows: number; insertId: number };
        return res.affectedRows === 1 ? Number(res.insertId) : null;
      };
      const duplicateOf = async (): Promise<{ duplicate: true; callId: number | null }> => {
        const [row] = (await tx.em.execute('select call_id from pbx_events where tenant_id = ? and pbx_call_id = ? and event = ?', [tenantId, body.call_id, body.event])) as { call_id: number | null }[];
        return { duplicate: true, callId: row?.call_id == null ? null : Number(row.call_id) };
      };

      if (!tx.rows.length) {
        // First news of this call: a row from the event itself.
        const match: Match | null = await this.calls.autoRelate(tx.em, tenantId, body.direction, from, to);
        const initial: Omit<CallRow, 'id' | 'tenantId'> = {
          userId: agentId, relatedType: match?.type ?? null, relatedId: match?.id ?? null, direction: body.direction, fromNumber: from, toNumber: to,
          extension: body.extension ?? null, status: 'ringing', startedAt: occurredAt, answeredAt: null, endedAt: null, durationSeconds: null,
          pbxCallId: body.call_id, sipCallId: body.sip_call_id ?? null, consoleCallId: body.console_call_id ?? null, recordingUrl: null,
          dispositionId: null, wrapupNotes: null, closedAt: null,
        };
        const event: StoredPbxEvent = { id: 0, event: body.event, occurredAt, payload };
        const { id: _id, tenantId: _t, ...derived } = derive({ ...initial, id: 0, tenantId }, [event]);
        const row = await insertCall(tx.em, tenantId, derived);
        const eventId = await insertEvent(row.id);
        // Cannot happen (an event stored before has its call), but never store a second row for it.
        if (eventId === null) throw new DuplicateEvent();
        const view = { ...row, userName: agent?.name ?? null, relatedName: match?.name ?? null, dispositionName: null };
        return { duplicate: false as const, change: { before: null, after: row, absorbed: [], match, view, wrapupTimeoutSeconds } satisfies CallChange };
      }

      // The row the event belongs to: the console's if there is one, else the oldest; others are merged into it.
      const preferred = tx.rows.find((r) => r.consoleCallId) ?? tx.rows[0];
      if ((await insertEvent(preferred.id)) === null) return duplicateOf();
      const { survivor, original, absorbed } = await mergeRows(tx, preferred.id);
      const next: CallRow = { ...survivor! };
      next.pbxCallId ??= body.call_id;
      next.sipCallId ??= body.sip_call_id ?? null;
      next.consoleCallId ??= body.console_call_id ?? null;
      next.extension ??= body.extension ?? null;
      next.userId ??= agentId;
      const after = derive(next, await eventsOf(tx.em, tenantId, [original!.id]));
      await updateCall(tx.em, original!, after);
      return { duplicate: false as const, change: { before: original!, after, absorbed, wrapupTimeoutSeconds } satisfies CallChange };
    }).catch((err) => {
      if (err instanceof DuplicateEvent) return { duplicate: true as const, callId: null };
      throw err;
    });

    if (result.duplicate) return { ok: true, duplicate: true, callId: result.callId };
    await this.calls.afterChange(ctx.em, tenantId, result.change);
    return { ok: true, duplicate: false, callId: result.change.after.id };
  }
}

class DuplicateEvent extends Error {}
