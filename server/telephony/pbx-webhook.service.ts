import type { EntityManager, MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, UnprocessableError } from '../http/errors.ts';
import type { PbxEventBody } from '../../shared/schemas/telephony.ts';
import {
  derive, eventsOf, insertCalls, mergeRows, updateCalls, wholeSeconds, withCallLocks, type CallKeys, type CallRow, type CallTx, type StoredPbxEvent,
} from './calls.store.ts';
import { matchNumbers, normalizeNumber } from './screen-pop.ts';
import type { CallChange, CallService } from './calls.service.ts';

/** How far ahead of our clock an event's timestamp may be (the PBX's clock may drift a little). */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** Before this, a timestamp is a PBX clock that was never set (1970), not a call. */
const EARLIEST_EVENT = Date.UTC(2000, 0, 1);
/** The most events one batch takes. */
const MAX_BATCH = 250;
/** Batches written at once by one node (each holds a database connection). */
const MAX_CONCURRENT_BATCHES = 2;

export interface PbxReceipt {
  ok: true;
  /** The same (call_id, event) was stored before: nothing changed. */
  duplicate: boolean;
  /** Our id of the call the event belongs to. */
  callId: number | null;
}

/** An event waiting for its batch, with what its request is waiting for. */
interface Pending {
  tenantId: number;
  body: PbxEventBody;
  occurredAt: Date;
  resolve: (r: PbxReceipt) => void;
  reject: (err: unknown) => void;
}

/** A pending event with its numbers read and its agent found. */
interface Prepared extends Pending {
  from: string;
  to: string;
  agent: { id: number; name: string } | null;
  /** Set once stored: the id of its pbx_events row (null: a duplicate). */
  storedId?: number | null;
}

/** The events of one PBX call in a round, and the rows they match. */
interface Group {
  pbxCallId: string;
  events: Prepared[];
  rows: CallRow[];
}

interface RoundResult {
  changes: CallChange[];
  /** Events whose receipts are ready (callId of a new one filled in by the caller from `changes`). */
  settled: { event: Prepared; receipt: PbxReceipt }[];
  /** Events that share a call with an earlier group of the round: the next round takes them. */
  deferred: Prepared[];
  /** Events refused without being stored (another agent's leg under this call_id). */
  refused: { event: Prepared; error: Error }[];
}

/**
 * POST /webhooks/pbx (DESIGN.md §3): one call event per request, from a tenant API
 * key with the `pbx` scope. Each event is stored once in pbx_events (unique on
 * tenant, call_id, event: a retry answers duplicate: true and changes nothing),
 * then its call is recomputed from every event stored for it, so events that come
 * late, twice or out of order leave the same record. The call is matched with
 * what the console reported (console_call_id = the X-CC-Call-Id header the console
 * sets, or the SIP Call-ID) so that one real call is one row.
 *
 * Group commit: a PBX with many calls in flight sends many events at once, and each
 * one alone would be a transaction of a dozen statements. So the requests of a node
 * queue their events, and each batch (whatever arrived while the running ones were
 * written, up to MAX_BATCH; at most MAX_CONCURRENT_BATCHES at once; an event alone
 * goes at once) is applied in one transaction per tenant with a fixed number of
 * statements: the user locks of the batch's console and SIP ids taken together, the
 * matching rows read together, the events stored with one INSERT IGNORE … RETURNING
 * (which tells the duplicates apart), new calls inserted and changed calls written
 * with one statement each. Each request is answered when its batch has committed, so
 * "2xx once stored" holds for every event; the live events, screen pops and presence
 * of the batches follow off the request path, in commit order. Events of one call are
 * never in two running batches, and within a batch they are applied in their order;
 * events of another PBX call id that meet the same row (a console call the PBX
 * reports under two ids) wait for the next round, so the order of the single-event
 * path is kept. A batch that fails is retried event by event, so one bad event fails
 * only its own request.
 */
export class PbxWebhookService {
  private queue: Pending[] = [];
  /** Batches being written now, and the calls (tenant:call_id) they hold. */
  private running = 0;
  private readonly busyCalls = new Set<string>();
  /** Changes committed whose live events, screen pops and presence are still to come, in order. */
  private afterQueue: { tenantId: number; em: EntityManager; changes: CallChange[] }[] = [];
  private afterRunning: Promise<void> | null = null;

  constructor(
    private readonly orm: MikroORM,
    private readonly calls: CallService,
    private readonly logger: Logger,
  ) {}

  async receive(ctx: TenantContext, body: PbxEventBody): Promise<PbxReceipt> {
    const tenantId = ctx.principal.tenantId;
    const occurredAt = wholeSeconds(new Date(body.timestamp));
    if (occurredAt.getTime() > Date.now() + MAX_CLOCK_SKEW_MS) {
      throw new UnprocessableError('The event\'s timestamp is in the future.', [{ path: 'body.timestamp', message: 'is more than 5 minutes ahead of the server\'s clock' }], 'timestamp_in_future');
    }
    if (occurredAt.getTime() < EARLIEST_EVENT) {
      throw new UnprocessableError('The event\'s timestamp is before 2000: is the PBX\'s clock set?', [{ path: 'body.timestamp', message: 'is before 2000-01-01' }], 'timestamp_out_of_range');
    }
    if (body.event === 'call.recording_ready' && !body.recording_url) {
      throw new UnprocessableError('call.recording_ready needs the recording_url.', [{ path: 'body.recording_url', message: 'is required with call.recording_ready' }], 'recording_url_required');
    }
    return new Promise<PbxReceipt>((resolve, reject) => {
      this.queue.push({ tenantId, body, occurredAt, resolve, reject });
      this.pump();
    });
  }

  /** Resolves when no event is queued, written or waiting for its live events (shutdown, tests). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length || this.afterRunning) await new Promise((r) => setTimeout(r, 5));
  }

  /**
   * Starts batches while fewer than MAX_CONCURRENT_BATCHES run: each takes what is queued (up
   * to MAX_BATCH), except events of a call another running batch holds, which wait for it, so
   * the events of one call are written in the order they came.
   */
  private pump(): void {
    while (this.running < MAX_CONCURRENT_BATCHES && this.queue.length) {
      const batch: Pending[] = [];
      const rest: Pending[] = [];
      const mine = new Set<string>();
      for (const p of this.queue) {
        const key = `${p.tenantId}:${p.body.call_id}`;
        if (batch.length >= MAX_BATCH || this.busyCalls.has(key)) rest.push(p);
        else {
          batch.push(p);
          mine.add(key);
        }
      }
      if (!batch.length) return;
      this.queue = rest;
      for (const k of mine) this.busyCalls.add(k);
      this.running++;
      const byTenant = new Map<number, Pending[]>();
      for (const p of batch) byTenant.set(p.tenantId, [...(byTenant.get(p.tenantId) ?? []), p]);
      void Promise.all([...byTenant].map(([tenantId, items]) => this.applyTenant(tenantId, items))).finally(() => {
        for (const k of mine) this.busyCalls.delete(k);
        this.running--;
        this.pump();
      });
    }
  }

  /**
   * After commit, and off the request's path: the live events, screen pops and presence
   * of what the rounds changed, one run at a time in the order of the rounds; whatever
   * rounds committed while a run was going are taken together by the next run.
   */
  private publishLater(tenantId: number, em: EntityManager, changes: CallChange[]): void {
    if (!changes.length) return;
    this.afterQueue.push({ tenantId, em, changes });
    this.afterRunning ??= (async () => {
      try {
        while (this.afterQueue.length) {
          const runs = this.afterQueue.splice(0);
          const byTenant = new Map<number, { em: EntityManager; changes: CallChange[] }>();
          for (const r of runs) {
            const t = byTenant.get(r.tenantId) ?? { em: r.em, changes: [] };
            t.changes.push(...r.changes);
            byTenant.set(r.tenantId, t);
          }
          await Promise.all([...byTenant].map(([t, r]) => this.calls.afterChanges(r.em, t, r.changes)
            .catch((err) => this.logger.warn({ err, tenantId: t }, 'pbx events stored; their live events were not all published'))));
        }
      } finally {
        this.afterRunning = null;
      }
    })();
  }

  /** Applies one tenant's events of a batch, round after round; a round that fails is retried event by event. */
  private async applyTenant(tenantId: number, items: Pending[]): Promise<void> {
    const em = this.orm.em.fork();
    let pending: Prepared[];
    try {
      const { country, wrapupTimeoutSeconds, agents } = await this.calls.contextFor(em, tenantId, items.flatMap((p) => (p.body.extension ? [p.body.extension] : [])));
      pending = items.map((p) => ({
        ...p, from: normalizeNumber(p.body.from, country), to: normalizeNumber(p.body.to, country),
        agent: p.body.extension ? (agents.get(p.body.extension.toLowerCase()) ?? null) : null,
      }));
      while (pending.length) {
        const round = pending;
        let result: RoundResult;
        try {
          result = await this.round(em, tenantId, round, wrapupTimeoutSeconds);
        } catch (err) {
          if (round.length === 1) {
            round[0].reject(err);
            return;
          }
          // One bad event must not fail the others: each goes alone.
          for (const p of round) await this.applyTenant(tenantId, [p]);
          return;
        }
        for (const { event, receipt } of result.settled) event.resolve(receipt);
        for (const { event, error } of result.refused) event.reject(error);
        this.publishLater(tenantId, em, result.changes);
        pending = result.deferred;
      }
    } catch (err) {
      for (const p of items) p.reject(err);
    }
  }

  /**
   * One transaction: every event of `events` whose call no earlier group of the round
   * touches is stored and applied; the others are returned as deferred.
   */
  private async round(em: EntityManager, tenantId: number, events: Prepared[], wrapupTimeoutSeconds: number): Promise<RoundResult> {
    const keys: CallKeys[] = events.map((e) => ({ pbxCallId: e.body.call_id, consoleCallId: e.body.console_call_id, sipCallId: e.body.sip_call_id }));
    return withCallLocks(em, tenantId, keys, async (tx) => {
      for (const e of events) delete e.storedId;
      const { groups, deferred, refused } = this.plan(tx.rows, events);
      if (!groups.length) return { changes: [], settled: [], deferred, refused };

      // Store the events: RETURNING lists only the rows inserted, so the rest are duplicates.
      const stored = groups.flatMap((g) => g.events);
      const inserted = (await tx.em.execute(
        `insert ignore into pbx_events (tenant_id, pbx_call_id, event, call_id, payload, occurred_at, received_at)
         values ${stored.map(() => '(?, ?, ?, null, ?, ?, ?)').join(', ')} returning id, pbx_call_id, event`,
        stored.flatMap((e) => [tenantId, e.body.call_id, e.body.event, JSON.stringify(e.body), e.occurredAt, new Date()]),
      )) as { id: number; pbx_call_id: string; event: string }[];
      const newIds = new Map(inserted.map((r) => [`${r.pbx_call_id}\u0000${r.event}`, Number(r.id)]));
      for (const e of stored) {
        const k = `${e.body.call_id}\u0000${e.body.event}`;
        e.storedId = newIds.get(k) ?? null;
        newIds.delete(k); // a second copy of the same event in this batch is a duplicate
      }

      // Merge the rows a group found (rare: the console's row and the PBX's), then read the events stored for each.
      const survivors = new Map<Group, { original: CallRow; survivor: CallRow; absorbed: number[] }>();
      for (const g of groups) {
        if (!g.rows.length || !g.events.some((e) => e.storedId)) continue;
        const preferred = g.rows.find((r) => r.consoleCallId) ?? g.rows[0];
        const sub: CallTx = { em: tx.em, tenantId, rows: g.rows };
        const { survivor, original, absorbed } = await mergeRows(sub, preferred.id);
        survivors.set(g, { original: original!, survivor: survivor!, absorbed });
      }
      const storedBefore = await eventsOf(tx.em, tenantId, [...survivors.values()].map((s) => s.original.id));

      // New calls: the row from the group's first new event, related by number to a lead or contact.
      const fresh = groups.filter((g) => !g.rows.length && g.events.some((e) => e.storedId));
      const firstOf = (g: Group) => g.events.find((e) => e.storedId)!;
      const matches = await matchNumbers(tx.em, tenantId, fresh.map((g) => (firstOf(g).body.direction === 'inbound' ? firstOf(g).from : firstOf(g).to)));
      const created = fresh.map((g) => {
        const e = firstOf(g);
        const match = matches.get(e.body.direction === 'inbound' ? e.from : e.to) ?? null;
        const row: CallRow = {
          id: 0, tenantId, userId: e.agent?.id ?? null, relatedType: match?.type ?? null, relatedId: match?.id ?? null, direction: e.body.direction,
          fromNumber: e.from, toNumber: e.to, extension: e.body.extension ?? null, status: 'ringing', startedAt: e.occurredAt, answeredAt: null, endedAt: null,
          durationSeconds: null, pbxCallId: e.body.call_id, sipCallId: e.body.sip_call_id ?? null, consoleCallId: e.body.console_call_id ?? null,
          recordingUrl: null, dispositionId: null, wrapupNotes: null, closedAt: null,
        };
        return { g, match, row: derive(foldIds(row, g.events), newEvents(g)) };
      });
      const insertedRows = await insertCalls(tx.em, tenantId, created.map(({ row: { id: _id, tenantId: _t, ...rest } }) => rest));

      // Calls we had: the ids the events add, then everything the stored and new events decide.
      const updated = [...survivors].map(([g, s]) => {
        const before = storedBefore.filter((ev) => ev.callId === s.original.id);
        return { g, s, after: derive(foldIds({ ...s.survivor }, g.events), [...before, ...newEvents(g)]) };
      });
      await updateCalls(tx.em, updated.map((u) => ({ before: u.s.original, next: u.after })));

      // Attach the new events to their calls.
      const attach: [number, number][] = [];
      created.forEach((c, i) => { for (const e of c.g.events) if (e.storedId) attach.push([e.storedId, insertedRows[i].id]); });
      for (const u of updated) for (const e of u.g.events) if (e.storedId) attach.push([e.storedId, u.s.original.id]);
      if (attach.length) {
        await tx.em.execute(
          `update pbx_events set call_id = case id ${attach.map(() => 'when ? then ?').join(' ')} end where tenant_id = ? and id in (${attach.map(() => '?').join(', ')})`,
          [...attach.flat(), tenantId, ...attach.map(([id]) => id)],
          'run',
        );
      }

      // Receipts: new events name their call; duplicates the call their first copy went to.
      const callOf = new Map<string, number>();
      created.forEach((c, i) => callOf.set(c.g.pbxCallId, insertedRows[i].id));
      for (const u of updated) callOf.set(u.g.pbxCallId, u.s.original.id);
      const dupes = stored.filter((e) => !e.storedId && !callOf.has(e.body.call_id));
      if (dupes.length) {
        const rows = (await tx.em.execute(
          `select pbx_call_id, call_id from pbx_events where tenant_id = ? and pbx_call_id in (${dupes.map(() => '?').join(', ')}) and call_id is not null`,
          [tenantId, ...dupes.map((e) => e.body.call_id)],
        )) as { pbx_call_id: string; call_id: number }[];
        for (const r of rows) if (!callOf.has(r.pbx_call_id)) callOf.set(r.pbx_call_id, Number(r.call_id));
      }
      const settled = stored.map((event) => ({ event, receipt: { ok: true as const, duplicate: !event.storedId, callId: callOf.get(event.body.call_id) ?? null } }));

      const changes: CallChange[] = [
        ...created.map((c, i): CallChange => {
          const row = insertedRows[i];
          const agentName = c.g.events.find((e) => e.agent?.id === row.userId)?.agent?.name ?? null;
          return { before: null, after: row, absorbed: [], match: c.match, view: { ...row, userName: agentName, relatedName: c.match?.name ?? null, dispositionName: null }, wrapupTimeoutSeconds };
        }),
        ...updated.map((u): CallChange => ({ before: u.s.original, after: { ...u.after, id: u.s.original.id }, absorbed: u.s.absorbed, wrapupTimeoutSeconds })),
      ];
      return { changes, settled, deferred, refused };
    });
  }

  /**
   * Groups the round's events by PBX call id (in order of arrival) with the locked rows
   * each group matches by any of its ids. A group that meets a row or an id an earlier
   * group (accepted or deferred) holds waits for the next round.
   */
  private plan(rows: CallRow[], events: Prepared[]): { groups: Group[]; deferred: Prepared[]; refused: RoundResult['refused'] } {
    const byCall = new Map<string, Prepared[]>();
    for (const e of events) byCall.set(e.body.call_id, [...(byCall.get(e.body.call_id) ?? []), e]);
    const takenRows = new Set<number>();
    const takenKeys = new Set<string>();
    const groups: Group[] = [];
    const deferred: Prepared[] = [];
    const refused: RoundResult['refused'] = [];
    for (const [pbxCallId, all] of byCall) {
      const consoles = new Set(all.flatMap((e) => (e.body.console_call_id ? [e.body.console_call_id] : [])));
      const sips = new Set(all.flatMap((e) => (e.body.sip_call_id ? [e.body.sip_call_id] : [])));
      const mine = rows.filter((r) => r.pbxCallId === pbxCallId || (r.consoleCallId !== null && consoles.has(r.consoleCallId)) || (r.sipCallId !== null && sips.has(r.sipCallId)));
      const ids = [...[...consoles].map((c) => `c:${c}`), ...[...sips].map((s) => `s:${s}`)];
      const clash = mine.some((r) => takenRows.has(r.id)) || ids.some((k) => takenKeys.has(k));
      for (const r of mine) takenRows.add(r.id);
      for (const k of ids) takenKeys.add(k);
      if (clash) {
        deferred.push(...all);
        continue;
      }
      const { accepted, refused: others } = oneLeg(pbxCallId, mine, all);
      refused.push(...others);
      if (accepted.length) groups.push({ pbxCallId, events: accepted, rows: mine });
    }
    return { groups, deferred, refused };
  }
}

/**
 * A call record is one agent's leg of a call: the first extension (or agent) a call_id names is its own. An event
 * of that call_id naming another one (a transfer or a ring group reported under the call's linkedid) is refused
 * with 409 and not stored, rather than taken for a duplicate or moved onto the wrong agent's record. An extension
 * learned late (a call that rang a queue, then was answered by an agent) is the same leg.
 */
function oneLeg(pbxCallId: string, rows: CallRow[], events: Prepared[]): { accepted: Prepared[]; refused: RoundResult['refused'] } {
  let extension = rows.find((r) => r.extension)?.extension ?? null;
  let agentId = rows.find((r) => r.userId)?.userId ?? null;
  const accepted: Prepared[] = [];
  const refused: RoundResult['refused'] = [];
  for (const e of events) {
    const given = e.body.extension ?? null;
    const otherExtension = given !== null && extension !== null && given.toLowerCase() !== extension.toLowerCase();
    const otherAgent = e.agent !== null && agentId !== null && e.agent.id !== agentId;
    if (otherExtension || otherAgent) {
      refused.push({
        event: e,
        error: new ConflictError(
          `call_id ${pbxCallId} is the leg of ${extension ? `extension ${extension}` : 'another agent'}; this event names extension ${given}. `
            + 'Give each agent\'s leg of a call its own call_id (e.g. the linkedid and the extension): a transferred call, or each agent a ring group rings.',
          [{ path: 'body.extension', message: `differs from the extension of call_id ${pbxCallId}` }],
          'call_leg_conflict',
        ),
      });
      continue;
    }
    extension ??= given;
    agentId ??= e.agent?.id ?? null;
    accepted.push(e);
  }
  return { accepted, refused };
}

/** The ids and agent the events bring to a row that lacks them (the first event's win, as if applied one by one). */
function foldIds(row: CallRow, events: Prepared[]): CallRow {
  const next = { ...row };
  for (const e of events) {
    if (!e.storedId) continue;
    next.pbxCallId ??= e.body.call_id;
    next.sipCallId ??= e.body.sip_call_id ?? null;
    next.consoleCallId ??= e.body.console_call_id ?? null;
    next.extension ??= e.body.extension ?? null;
    next.userId ??= e.agent?.id ?? null;
  }
  return next;
}

/** The group's events stored in this round, as the derivation reads them. */
function newEvents(g: Group): StoredPbxEvent[] {
  return g.events.flatMap((e) => (e.storedId ? [{ id: e.storedId, callId: 0, event: e.body.event, occurredAt: e.occurredAt, payload: { ...e.body } as Record<string, unknown> }] : []));
}
