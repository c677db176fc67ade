import type { EntityManager, MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { TenantContext } from '../http/context.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnprocessableError } from '../http/errors.ts';
import { decodeCursor, encodeCursor } from '../http/pagination.ts';
import type { Publisher } from '../realtime/publisher.ts';
import type { Audience } from '../realtime/audience.ts';
import type { PresenceService, SystemState } from '../presence/presence.service.ts';
import { wrapupTimeoutOf } from '../tenancy/settings.service.ts';
import type { CallAgent, CallPbxEvent, CallView, ScreenPop } from '../../shared/schemas/telephony.ts';
import type { CallDirection, CallStatus } from './call.entity.ts';
import {
  callView, changedFields, dbDate, dbJson, derive, eventsOf, insertCall, mergeRows, selectView, selectViews, updateCall, wholeSeconds, withCallLocks,
  type CallRow, type CallViewRow,
} from './calls.store.ts';
import { matchNumber, normalizeNumber, screenPop, screenPops, type Match } from './screen-pop.ts';
import type { WrapupScheduler } from './wrapup-timeout.ts';

export interface CallChange {
  before: CallRow | null;
  after: CallRow;
  /** Rows merged into `after` and deleted. */
  absorbed: number[];
  /** The number match made while creating the row (reused for the screen pop). */
  match?: Match | null;
  /** The view of a row just created, from what the request already knows (saves re-reading it). */
  view?: CallViewRow;
  /** The tenant's wrap-up timeout, when the request read it already. */
  wrapupTimeoutSeconds?: number;
  /** Leave the agent's presence alone (the agent is gone: see endAbandoned). */
  skipPresence?: boolean;
}

/** What a call request needs to know about its tenant (and the agent behind an extension), in one round trip. */
export interface CallContext {
  country: string;
  wrapupTimeoutSeconds: number;
  agent: { id: number; name: string } | null;
}

type ListQuery = {
  cursor?: string; limit: number; userId?: number; direction?: CallDirection; dispositionId?: number; status?: CallStatus;
  from?: string; to?: string; unassigned?: boolean;
};

const isViewCursor = (v: Record<string, unknown>): v is { v: string; id: number } =>
  Number.isSafeInteger(v.id) && (v.id as number) > 0 && typeof v.v === 'string' && !Number.isNaN(Date.parse(v.v));

/**
 * Calls as the console reports them (start, answered, ended), reads (list, detail,
 * screen pop), and what follows every change of a call whichever side made it:
 * the live events, the agent's presence and the wrap-up timer. The PBX webhook
 * (pbx-webhook.service.ts) and the wrap-up (wrapup.service.ts) write through the
 * same store (calls.store.ts), so both sides end up in one row.
 */
export class CallService {
  constructor(
    private readonly orm: MikroORM,
    private readonly publisher: Publisher,
    private readonly presence: PresenceService,
    private readonly wrapups: WrapupScheduler,
    private readonly logger: Logger,
  ) {}

  // ---------------------------------------------------------------- helpers

  /**
   * The tenant's default country (to read numbers written without a country code), its
   * wrap-up timeout (settings.service.ts), and the active agent whose SIP username is
   * `extension` (null: an unassigned call).
   */
  async context(em: EntityManager, tenantId: number, extension?: string): Promise<CallContext> {
    const { country, wrapupTimeoutSeconds, agents } = await this.contextFor(em, tenantId, extension ? [extension] : []);
    return { country, wrapupTimeoutSeconds, agent: extension ? (agents.get(extension.toLowerCase()) ?? null) : null };
  }

  /** `context` for many extensions at once (a batch of PBX events): the agents by extension, lower-cased (SIP usernames compare as the column's collation does). */
  async contextFor(em: EntityManager, tenantId: number, extensions: string[]): Promise<Omit<CallContext, 'agent'> & { agents: Map<string, { id: number; name: string }> }> {
    const wanted = [...new Set(extensions)];
    const rows = (await em.execute(
      `select t.default_country, t.settings, a.sip_username, a.user_id, a.name
         from tenants t
         left join (select c.tenant_id, c.sip_username, c.user_id, u.name from agent_sip_credentials c join users u on u.id = c.user_id
                     where c.tenant_id = ? and c.sip_username in (${wanted.length ? wanted.map(() => '?').join(', ') : 'null'}) and u.is_active = 1) a on a.tenant_id = t.id
        where t.id = ?`,
      [tenantId, ...wanted, tenantId],
    )) as { default_country: string; settings: unknown; sip_username: string | null; user_id: number | null; name: string | null }[];
    const agents = new Map<string, { id: number; name: string }>();
    for (const r of rows) if (r.sip_username != null && r.user_id != null) agents.set(r.sip_username.toLowerCase(), { id: Number(r.user_id), name: String(r.name) });
    return {
      country: rows[0]?.default_country ?? 'US',
      wrapupTimeoutSeconds: wrapupTimeoutOf({ settings: dbJson(rows[0]?.settings ?? null) }),
      agents,
    };
  }

  /** The lead or contact at the other end: the caller of an inbound call, the callee of an outbound one. */
  async autoRelate(em: EntityManager, tenantId: number, direction: CallDirection, from: string, to: string): Promise<Match | null> {
    return matchNumber(em, tenantId, direction === 'inbound' ? from : to);
  }

  static audience(c: Pick<CallRow, 'userId' | 'relatedType' | 'relatedId'>): Audience {
    return {
      kind: 'any',
      of: [
        ...(c.userId ? [{ kind: 'user' as const, userId: c.userId }] : []),
        { kind: 'permission', permission: 'calls.view_all' },
        { kind: 'permission', permission: 'dashboard.view' },
        ...(c.relatedType === 'lead' && c.relatedId ? [{ kind: 'entity' as const, entityType: 'lead' as const, id: c.relatedId }] : []),
      ],
    };
  }

  private canViewAll(ctx: TenantContext): boolean {
    return ctx.principal.permissions.has('calls.view_all');
  }

  private withRecording(ctx: TenantContext): boolean {
    return ctx.principal.permissions.has('calls.recordings.view');
  }

  /** A call the caller may see: their own, or any with calls.view_all; otherwise 404. */
  async visible(ctx: TenantContext, id: number): Promise<CallViewRow> {
    const row = await selectView(ctx.em, ctx.principal.tenantId, id);
    if (!row || (!this.canViewAll(ctx) && row.userId !== ctx.principal.userId)) throw new NotFoundError('Call');
    return row;
  }

  /** A call the caller may act on as its agent: 404 when they cannot see it, 403 when it is someone else's. */
  async own(ctx: TenantContext, id: number): Promise<CallViewRow> {
    const row = await this.visible(ctx, id);
    if (row.userId !== ctx.principal.userId) throw new ForbiddenError('This is not your call: only its agent reports on it and wraps it up.', undefined, 'not_your_call');
    return row;
  }

  // ---------------------------------------------------------------- the console's reports

  /**
   * The console reports a call it places or receives. Idempotent on consoleCallId;
   * merged with what the PBX already reported about the same call (its
   * console_call_id, or the SIP Call-ID).
   */
  async start(ctx: TenantContext, body: {
    consoleCallId: string; direction: CallDirection; fromNumber: string; toNumber: string; sipCallId?: string;
    relatedType?: 'lead' | 'contact'; relatedId?: number;
  }): Promise<{ call: CallView; created: boolean }> {
    const tenantId = ctx.principal.tenantId;
    const userId = ctx.principal.userId!;
    const { country, wrapupTimeoutSeconds } = await this.context(ctx.em, tenantId);
    const from = normalizeNumber(body.fromNumber, country);
    const to = normalizeNumber(body.toNumber, country);
    const related = await this.checkRelated(ctx, body.relatedType, body.relatedId);
    const change = await withCallLocks(ctx.em, tenantId, { consoleCallId: body.consoleCallId, sipCallId: body.sipCallId }, async (tx) => {
      // A row of another console call that happens to share the SIP id is not this call.
      tx.rows = tx.rows.filter((r) => !r.consoleCallId || r.consoleCallId === body.consoleCallId);
      const mine = tx.rows.find((r) => r.consoleCallId === body.consoleCallId);
      if (mine && mine.userId !== null && mine.userId !== userId) throw new ConflictError('This consoleCallId belongs to another agent\'s call.', [{ path: 'body.consoleCallId', message: 'is taken' }], 'call_taken');
      const { survivor, original, absorbed } = await mergeRows(tx, mine?.id);
      if (!survivor || !original) {
        const match = related ? null : await this.autoRelate(tx.em, tenantId, body.direction, from, to);
        const link = related ?? (match ? { type: match.type, id: match.id, name: match.name } : null);
        const row = await insertCall(tx.em, tenantId, {
          userId, relatedType: link?.type ?? null, relatedId: link?.id ?? null, direction: body.direction, fromNumber: from, toNumber: to, extension: null,
          status: 'ringing', startedAt: wholeSeconds(new Date()), answeredAt: null, endedAt: null, durationSeconds: null, pbxCallId: null,
          sipCallId: body.sipCallId ?? null, consoleCallId: body.consoleCallId, recordingUrl: null, dispositionId: null, wrapupNotes: null, closedAt: null,
        });
        const view = { ...row, userName: ctx.principal.name, relatedName: link?.name ?? null, dispositionName: null };
        return { before: null, after: row, absorbed, match, view, wrapupTimeoutSeconds } satisfies CallChange;
      }
      const next: CallRow = {
        ...survivor, consoleCallId: body.consoleCallId, sipCallId: survivor.sipCallId ?? body.sipCallId ?? null, userId,
        direction: body.direction, fromNumber: from, toNumber: to,
      };
      if (related) {
        next.relatedType = related.type;
        next.relatedId = related.id;
      } else if (next.relatedId == null) {
        const match = await this.autoRelate(tx.em, tenantId, body.direction, from, to);
        if (match) {
          next.relatedType = match.type;
          next.relatedId = match.id;
        }
      }
      const after = derive(next, await eventsOf(tx.em, tenantId, [original.id]));
      await updateCall(tx.em, original, after);
      return { before: original, after, absorbed, wrapupTimeoutSeconds } satisfies CallChange;
    });
    const view = await this.afterChange(ctx.em, tenantId, change);
    return { call: callView(view, this.withRecording(ctx)), created: change.before === null };
  }

  private async checkRelated(ctx: TenantContext, type: 'lead' | 'contact' | undefined, id: number | undefined): Promise<{ type: 'lead' | 'contact'; id: number; name: string } | null> {
    if (type === undefined && id === undefined) return null;
    if (type === undefined || id === undefined) {
      const missing = type === undefined ? 'body.relatedType' : 'body.relatedId';
      throw new UnprocessableError('relatedType and relatedId go together.', [{ path: missing, message: 'is required with the other' }], 'related_incomplete');
    }
    const query = type === 'lead' ? 'select name from leads where tenant_id = ? and id = ?' : "select concat_ws(' ', first_name, last_name) as name from contacts where tenant_id = ? and id = ?";
    const [row] = (await ctx.em.execute(query, [ctx.principal.tenantId, id])) as { name: string }[];
    if (!row) throw new UnprocessableError(`That ${type} does not exist.`, [{ path: 'body.relatedId', message: `unknown ${type}` }], 'unknown_related');
    return { type, id, name: row.name };
  }

  /** The console says its call was answered or ended (its own call only). The PBX's times win when it reports them too. */
  async progress(ctx: TenantContext, id: number, kind: 'answered' | 'ended', body: { sipCallId?: string; at?: string }): Promise<CallView> {
    const tenantId = ctx.principal.tenantId;
    const call = await this.own(ctx, id);
    const now = Date.now();
    // The console's clock may be off: never later than now, nor more than an hour before the call's start
    // (a time before the reported start moves the start, as the earliest report wins).
    const at = wholeSeconds(new Date(Math.max(Math.min(body.at ? Date.parse(body.at) : now, now), call.startedAt.getTime() - 3_600_000)));
    const change = await withCallLocks(ctx.em, tenantId, {
      id, pbxCallId: call.pbxCallId, consoleCallId: call.consoleCallId, sipCallId: call.sipCallId, moreSipCallIds: [body.sipCallId],
    }, async (tx) => {
      const me = tx.rows.find((r) => r.id === id);
      if (!me || me.userId !== ctx.principal.userId) throw new NotFoundError('Call');
      tx.rows = tx.rows.filter((r) => r.id === id || !r.consoleCallId || r.consoleCallId === me.consoleCallId);
      const { survivor, original, absorbed } = await mergeRows(tx, id);
      const next: CallRow = { ...survivor! };
      if (body.sipCallId && !next.sipCallId) next.sipCallId = body.sipCallId;
      if (kind === 'answered' && !next.answeredAt) next.answeredAt = at;
      if (kind === 'ended' && !next.endedAt) next.endedAt = at;
      const after = derive(next, await eventsOf(tx.em, tenantId, [id]));
      await updateCall(tx.em, original!, after);
      return { before: original!, after, absorbed } satisfies CallChange;
    });
    const view = await this.afterChange(ctx.em, tenantId, change);
    return callView(view, this.withRecording(ctx));
  }

  /**
   * The agent went offline (every tab closed or crashed, past the grace period) while calls the
   * console reported were still ringing or in progress and no PBX reports them: nothing will ever
   * say they ended, so they end now. A call the PBX knows (`pbx_call_id`) is left to the PBX's own
   * `call.ended`. The calls then wait for their wrap-up like any other ended call (the console opens
   * it when the agent is back); presence is not touched (the agent is offline).
   */
  async endAbandoned(tenantId: number, userId: number): Promise<number> {
    const em = this.orm.em.fork();
    em.setFilterParams('tenant', { tenantId });
    const open = (await em.execute(
      "select id, console_call_id, sip_call_id from calls where tenant_id = ? and user_id = ? and status in ('ringing', 'in_progress') and pbx_call_id is null",
      [tenantId, userId],
    )) as { id: number; console_call_id: string | null; sip_call_id: string | null }[];
    let ended = 0;
    for (const r of open) {
      const id = Number(r.id);
      const at = wholeSeconds(new Date());
      const change = await withCallLocks(em, tenantId, { id, pbxCallId: null, consoleCallId: r.console_call_id, sipCallId: r.sip_call_id }, async (tx) => {
        const me = tx.rows.find((x) => x.id === id);
        if (!me || me.userId !== userId || me.pbxCallId || me.endedAt || (me.status !== 'ringing' && me.status !== 'in_progress')) return null;
        const next: CallRow = { ...me, endedAt: at };
        const after = derive(next, await eventsOf(tx.em, tenantId, [id]));
        await updateCall(tx.em, me, after);
        return { before: me, after, absorbed: [], skipPresence: true } satisfies CallChange;
      });
      if (!change) continue;
      await this.afterChange(em, tenantId, change);
      ended++;
      this.logger.info({ callId: id, tenantId, userId }, 'call ended: its agent went offline and no PBX reports it');
    }
    return ended;
  }

  // ---------------------------------------------------------------- after every change

  /**
   * After a change of a call committed, whichever side made it: the live event of
   * its state (to its agent, supervisors and the related lead's viewers; never with
   * the recording URL), the recording to holders of calls.recordings.view, and the
   * agent's presence (answered → on a call; ended → wrap-up, with the tenant's
   * wrap-up timer). Nothing is pushed when nothing changed.
   */
  async afterChange(em: EntityManager, tenantId: number, change: CallChange): Promise<CallViewRow> {
    const [view] = await this.afterChanges(em, tenantId, [change]);
    return view;
  }

  /**
   * `afterChange` for many changes of one tenant at once, in their order (a batch of PBX
   * events): the views they lack in one read, the screen pops in two, the events
   * published together, and the agents' presence in one batch.
   */
  async afterChanges(em: EntityManager, tenantId: number, changes: CallChange[]): Promise<CallViewRow[]> {
    const missing = changes.filter((c) => !c.view).map((c) => c.after.id);
    const read = missing.length ? await selectViews(em, tenantId, `and c.id in (${missing.map(() => '?').join(', ')})`, missing) : [];
    const byId = new Map(read.map((v) => [v.id, v]));
    // The row as this change left it (a later change of the same call may be committed already, when
    // several are published together), with the names as they are now.
    const views = changes.map((c) => {
      if (c.view) return c.view;
      const now = byId.get(c.after.id);
      if (!now) throw new NotFoundError('Call');
      return {
        ...c.after,
        userName: c.after.userId === now.userId ? now.userName : null,
        relatedName: c.after.relatedType === now.relatedType && c.after.relatedId === now.relatedId ? now.relatedName : null,
        dispositionName: c.after.dispositionId === now.dispositionId ? now.dispositionName : null,
      };
    });
    const changed = changes.map((c) => !c.before || c.absorbed.length > 0 || changedFields(c.before, c.after).length > 0);
    const popFor = changes.map((c, i) => changed[i] && views[i].status === 'ringing' && views[i].direction === 'inbound');
    const popsWanted = changes.flatMap((c, i) => (popFor[i] ? [{ number: views[i].fromNumber, match: c.match === undefined ? undefined : c.match }] : []));
    const pops = popsWanted.length ? await screenPops(em, tenantId, popsWanted).catch((err) => {
      this.logger.warn({ err }, 'screen pops not read');
      return popsWanted.map(() => null);
    }) : [];
    let nextPop = 0;
    await Promise.all(changes.map(async (c, i) => {
      if (!changed[i]) return;
      const view = views[i];
      const pop = popFor[i] ? pops[nextPop++] : null;
      const call = callView(view, false);
      const audience = CallService.audience(view);
      try {
        if (view.status === 'ringing') await this.publisher.publish(tenantId, 'call:ringing', { call, screenPop: pop }, audience);
        else if (view.status === 'in_progress') await this.publisher.publish(tenantId, 'call:answered', { call }, audience);
        else if (view.status === 'ended') await this.publisher.publish(tenantId, 'call:ended', { call }, audience);
        else await this.publisher.publish(tenantId, 'call:closed', { call }, audience);
        if (c.after.recordingUrl && c.after.recordingUrl !== c.before?.recordingUrl) {
          await this.publisher.publish(tenantId, 'call:recording', { callId: view.id, userId: view.userId, recordingUrl: c.after.recordingUrl }, { kind: 'permission', permission: 'calls.recordings.view' });
        }
      } catch (err) {
        this.logger.warn({ err, callId: view.id }, 'call event not published');
      }
    }));
    const moves = changes.filter((c) => c.after.userId && !c.skipPresence && (!c.before || c.before.status !== c.after.status || c.before.userId !== c.after.userId));
    if (moves.length) {
      await this.presenceFor(em, tenantId, moves).catch((err) => this.logger.warn({ err, callIds: moves.map((c) => c.after.id) }, 'presence not updated for calls'));
    }
    return views;
  }

  /**
   * The telephony hook of presence, for calls whose state or agent changed, in order:
   * on a call while answered; wrap-up once ended (answered or not: every ended call
   * waits for its disposition, and the console opens its wrap-up), unless another
   * call of theirs is in progress.
   */
  private async presenceFor(em: EntityManager, tenantId: number, moves: CallChange[]): Promise<void> {
    const ended = moves.filter((c) => c.after.status === 'ended');
    const busy = new Map<number, Set<number>>();
    const closed = new Set<number>();
    if (ended.length) {
      // Read now, not from the change: a call closed since (its wrap-up saved) leaves presence alone.
      const users = [...new Set(ended.map((c) => c.after.userId!))];
      const ids = ended.map((c) => c.after.id);
      const rows = (await em.execute(
        `select user_id, id, status from calls
          where tenant_id = ? and ((status = 'in_progress' and user_id in (${users.map(() => '?').join(', ')})) or id in (${ids.map(() => '?').join(', ')}))`,
        [tenantId, ...users, ...ids],
      )) as { user_id: number; id: number; status: string }[];
      for (const r of rows) {
        if (r.status === 'closed') closed.add(Number(r.id));
        if (r.status !== 'in_progress') continue;
        const set = busy.get(Number(r.user_id)) ?? new Set<number>();
        set.add(Number(r.id));
        busy.set(Number(r.user_id), set);
      }
    }
    const states: { userId: number; state: SystemState }[] = [];
    const wrapups: CallChange[] = [];
    for (const c of moves) {
      const userId = c.after.userId!;
      if (c.after.status === 'in_progress') states.push({ userId, state: 'on_call' });
      else if (c.after.status === 'ended' && !closed.has(c.after.id) && ![...(busy.get(userId) ?? [])].some((id) => id !== c.after.id)) {
        states.push({ userId, state: 'wrap_up' });
        wrapups.push(c);
      }
    }
    await this.presence.setManyBySystem(tenantId, states);
    if (!wrapups.length) return;
    const timeout = wrapups[0].wrapupTimeoutSeconds ?? (await this.context(em, tenantId)).wrapupTimeoutSeconds;
    if (timeout > 0) for (const c of wrapups) await this.wrapups.schedule({ tenantId, userId: c.after.userId!, callId: c.after.id, at: Date.now() }, timeout);
  }

  /** After a wrap-up: back to available, if the agent is still in wrap-up (not on another call, not away). */
  async leaveWrapup(tenantId: number, userId: number): Promise<void> {
    const cur = await this.presence.current(tenantId, userId);
    if (cur?.state !== 'wrap_up') return;
    await this.presence.setBySystem(tenantId, userId, 'available');
  }

  // ---------------------------------------------------------------- reads

  async get(ctx: TenantContext, id: number): Promise<CallView> {
    return callView(await this.visible(ctx, id), this.withRecording(ctx));
  }

  /** Newest first, keyset-paged on (started_at, id): own calls, or every call with calls.view_all. */
  async list(ctx: TenantContext, q: ListQuery): Promise<{ data: CallView[]; nextCursor: string | null }> {
    const conds: string[] = [];
    const params: unknown[] = [];
    const me = ctx.principal.userId!;
    if (!this.canViewAll(ctx)) {
      if (q.userId !== undefined && q.userId !== me) throw new ForbiddenError('Only holders of calls.view_all see other agents\' calls.', { permission: 'calls.view_all' });
      if (q.unassigned) throw new ForbiddenError('Only holders of calls.view_all see unassigned calls.', { permission: 'calls.view_all' });
      conds.push('c.user_id = ?');
      params.push(me);
    } else {
      if (q.userId !== undefined) {
        conds.push('c.user_id = ?');
        params.push(q.userId);
      }
      if (q.unassigned === true) conds.push('c.user_id is null');
      else if (q.unassigned === false) conds.push('c.user_id is not null');
    }
    if (q.direction) {
      conds.push('c.direction = ?');
      params.push(q.direction);
    }
    if (q.dispositionId) {
      conds.push('c.disposition_id = ?');
      params.push(q.dispositionId);
    }
    if (q.status) {
      conds.push('c.status = ?');
      params.push(q.status);
    }
    if (q.from) {
      conds.push('c.started_at >= ?');
      params.push(new Date(q.from));
    }
    if (q.to) {
      conds.push('c.started_at < ?');
      params.push(new Date(q.to));
    }
    const after = decodeCursor(q.cursor, isViewCursor);
    if (after) {
      const v = new Date(after.v);
      conds.push('(c.started_at < ? or (c.started_at = ? and c.id < ?))');
      params.push(v, v, after.id);
    }
    const rows = await selectViews(ctx.em, ctx.principal.tenantId, conds.map((c) => `and ${c}`).join(' '), [...params, q.limit + 1], 'order by c.started_at desc, c.id desc limit ?');
    const more = rows.length > q.limit;
    const page = more ? rows.slice(0, q.limit) : rows;
    const last = page[page.length - 1];
    const rec = this.withRecording(ctx);
    return { data: page.map((r) => callView(r, rec)), nextCursor: more ? encodeCursor({ v: last.startedAt.toISOString(), id: last.id }) : null };
  }

  /**
   * The people whose calls a holder of calls.view_all can filter by: every user of the tenant with SIP credentials
   * or with a call on record (deactivated ones too, after the active ones: their calls stay), by name.
   */
  async agents(ctx: TenantContext): Promise<CallAgent[]> {
    const rows = (await ctx.em.execute(
      `select u.id, u.name, u.is_active from users u
        where u.tenant_id = ?
          and (exists (select 1 from agent_sip_credentials s where s.tenant_id = u.tenant_id and s.user_id = u.id)
               or exists (select 1 from calls c where c.tenant_id = u.tenant_id and c.user_id = u.id))
        order by u.is_active desc, u.name, u.id`,
      [ctx.principal.tenantId],
    )) as { id: number | string; name: string; is_active: number | boolean }[];
    return rows.map((r) => ({ id: Number(r.id), name: r.name, isActive: Boolean(r.is_active) }));
  }

  /**
   * The PBX's events about a call the caller may see, in the order they happened (then as received), each as the
   * PBX sent it: what an integrator reads to see why a call looks as it does (a late `call.answered`, a retry
   * stored once). The recording URL is left out for those without calls.recordings.view.
   */
  async pbxEvents(ctx: TenantContext, id: number): Promise<CallPbxEvent[]> {
    await this.visible(ctx, id);
    const rows = (await ctx.em.execute(
      'select id, event, occurred_at, received_at, payload from pbx_events where tenant_id = ? and call_id = ? order by occurred_at, id',
      [ctx.principal.tenantId, id],
    )) as { id: number | string; event: string; occurred_at: Date | string; received_at: Date | string; payload: unknown }[];
    const rec = this.withRecording(ctx);
    return rows.map((r) => {
      const payload = { ...(dbJson(r.payload) as Record<string, unknown>) };
      if (!rec) delete payload.recording_url;
      return { id: Number(r.id), event: r.event, occurredAt: dbDate(r.occurred_at)!.toISOString(), receivedAt: dbDate(r.received_at)!.toISOString(), payload };
    });
  }

  /** The screen pop for a number (the console's own inbound INVITE): the same one `call:ringing` carries. */
  async lookup(ctx: TenantContext, number: string): Promise<ScreenPop> {
    const tenantId = ctx.principal.tenantId;
    const { country } = await this.context(ctx.em, tenantId);
    return screenPop(ctx.em, tenantId, normalizeNumber(number, country));
  }
}
