import { createHash } from 'node:crypto';
import { IsolationLevel, DeadlockException, LockWaitTimeoutException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/mariadb';
import { AppError } from '../http/errors.ts';
import { iso } from '../http/pagination.ts';
import { dbDate, dbJson, wholeSeconds } from '../db/values.ts';
import type { CallView } from '../../shared/schemas/telephony.ts';
import type { CallDirection, CallStatus } from './call.entity.ts';
import type { PbxEventName } from './pbx-event.entity.ts';

/**
 * The one call record per real call, in plain SQL: both sides that report a call
 * (the console and the PBX webhook) go through `withCallLocks`, which finds every
 * row that shares one of the call's ids and lets the caller merge them.
 *
 * Why the locks: the console's id (consoleCallId) and the PBX's id (pbxCallId)
 * are unique keys, but the SIP Call-ID, which either side may be the only one to
 * know, is not; two requests about the same call arriving at once (the console's
 * report and the PBX's webhook) would each find nothing and each insert a row.
 * So each request first takes a MariaDB user lock per console or SIP id it
 * carries (GET_LOCK, sorted, so two requests cannot wait on each other; the
 * PBX's id needs none, see lockNames), then reads the matching
 * rows with SELECT … FOR UPDATE. The locks are released just before COMMIT,
 * which is safe because the next holder's locking reads wait for the rows the
 * previous holder inserted or changed until it commits (READ COMMITTED: locking
 * reads see the latest committed row, and no gap locks that would make unrelated
 * calls deadlock on each other). The unique keys stay the last line of defence:
 * a duplicate-key error or a deadlock is retried.
 */

export interface CallRow {
  id: number;
  tenantId: number;
  userId: number | null;
  relatedType: 'lead' | 'contact' | null;
  relatedId: number | null;
  direction: CallDirection;
  fromNumber: string;
  toNumber: string;
  extension: string | null;
  status: CallStatus;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  durationSeconds: number | null;
  pbxCallId: string | null;
  sipCallId: string | null;
  consoleCallId: string | null;
  recordingUrl: string | null;
  dispositionId: number | null;
  wrapupNotes: string | null;
  closedAt: Date | null;
}

/** A call row with the names a view shows. */
export interface CallViewRow extends CallRow {
  userName: string | null;
  relatedName: string | null;
  dispositionName: string | null;
}

export interface CallKeys {
  id?: number;
  pbxCallId?: string | null;
  consoleCallId?: string | null;
  sipCallId?: string | null;
  /** Further SIP Call-IDs to match (a call whose SIP id is being set). */
  moreSipCallIds?: (string | null | undefined)[];
}

export interface StoredPbxEvent {
  id: number;
  /** Our call the event belongs to (0 for one not stored yet). */
  callId: number;
  event: PbxEventName;
  occurredAt: Date;
  payload: Record<string, unknown>;
}

const COLUMNS: Record<Exclude<keyof CallRow, 'id' | 'tenantId'>, string> = {
  userId: 'user_id', relatedType: 'related_type', relatedId: 'related_id', direction: 'direction', fromNumber: 'from_number', toNumber: 'to_number',
  extension: 'extension', status: 'status', startedAt: 'started_at', answeredAt: 'answered_at', endedAt: 'ended_at', durationSeconds: 'duration_seconds',
  pbxCallId: 'pbx_call_id', sipCallId: 'sip_call_id', consoleCallId: 'console_call_id', recordingUrl: 'recording_url', dispositionId: 'disposition_id',
  wrapupNotes: 'wrapup_notes', closedAt: 'closed_at',
};
const DATE_FIELDS = new Set(['startedAt', 'answeredAt', 'endedAt', 'closedAt']);

export { dbDate, dbJson, wholeSeconds };
const num = (v: unknown): number | null => (v == null ? null : Number(v));

function rowFromDb(r: Record<string, unknown>): CallRow {
  return {
    id: Number(r.id), tenantId: Number(r.tenant_id), userId: num(r.user_id), relatedType: (r.related_type as CallRow['relatedType']) ?? null,
    relatedId: num(r.related_id), direction: r.direction as CallDirection, fromNumber: String(r.from_number), toNumber: String(r.to_number),
    extension: (r.extension as string) ?? null, status: r.status as CallStatus, startedAt: dbDate(r.started_at)!, answeredAt: dbDate(r.answered_at),
    endedAt: dbDate(r.ended_at), durationSeconds: num(r.duration_seconds), pbxCallId: (r.pbx_call_id as string) ?? null, sipCallId: (r.sip_call_id as string) ?? null,
    consoleCallId: (r.console_call_id as string) ?? null, recordingUrl: (r.recording_url as string) ?? null, dispositionId: num(r.disposition_id),
    wrapupNotes: (r.wrapup_notes as string) ?? null, closedAt: dbDate(r.closed_at),
  };
}

function viewRowFromDb(r: Record<string, unknown>): CallViewRow {
  return { ...rowFromDb(r), userName: (r.user_name as string) ?? null, relatedName: (r.related_name as string) || null, dispositionName: (r.disposition_name as string) ?? null };
}

/** The API's view of a call; the recording URL only for holders of calls.recordings.view (never in a pushed event). */
export function callView(c: CallViewRow, withRecording: boolean): CallView {
  return {
    id: c.id, userId: c.userId, userName: c.userName, direction: c.direction, fromNumber: c.fromNumber, toNumber: c.toNumber, extension: c.extension,
    status: c.status, startedAt: c.startedAt.toISOString(), answeredAt: iso(c.answeredAt), endedAt: iso(c.endedAt), durationSeconds: c.durationSeconds,
    relatedType: c.relatedType, relatedId: c.relatedId, relatedName: c.relatedName, dispositionId: c.dispositionId, dispositionName: c.dispositionName,
    wrapupNotes: c.wrapupNotes, closedAt: iso(c.closedAt), consoleCallId: c.consoleCallId, sipCallId: c.sipCallId, pbxCallId: c.pbxCallId,
    hasRecording: c.recordingUrl !== null, recordingUrl: withRecording ? c.recordingUrl : null,
  };
}

/** Calls with the names their view shows; `where` is appended after the tenant condition (alias c). */
const VIEW_SELECT = `select c.*, u.name as user_name, d.name as disposition_name,
       case c.related_type when 'lead' then l.name when 'contact' then trim(concat(ct.first_name, ' ', coalesce(ct.last_name, ''))) end as related_name
  from calls c
  left join users u on u.id = c.user_id
  left join call_dispositions d on d.id = c.disposition_id
  left join leads l on c.related_type = 'lead' and l.id = c.related_id and l.tenant_id = c.tenant_id
  left join contacts ct on c.related_type = 'contact' and ct.id = c.related_id and ct.tenant_id = c.tenant_id
 where c.tenant_id = ?`;

export async function selectViews(em: EntityManager, tenantId: number, where: string, params: unknown[], tail = ''): Promise<CallViewRow[]> {
  const rows = (await em.execute(`${VIEW_SELECT} ${where} ${tail}`, [tenantId, ...params])) as Record<string, unknown>[];
  return rows.map(viewRowFromDb);
}

export async function selectView(em: EntityManager, tenantId: number, id: number): Promise<CallViewRow | null> {
  const [row] = await selectViews(em, tenantId, 'and c.id = ?', [id]);
  return row ?? null;
}

/** Whether the agent has a call in progress other than `callId` (which keeps them on a call rather than in wrap-up). */
export async function otherCallInProgress(em: EntityManager, tenantId: number, userId: number, callId: number): Promise<boolean> {
  const rows = (await em.execute(
    "select 1 from calls where tenant_id = ? and user_id = ? and id <> ? and status = 'in_progress' limit 1",
    [tenantId, userId, callId],
  )) as unknown[];
  return rows.length > 0;
}

// ---------------------------------------------------------------- derivation

/**
 * Recomputes what the PBX's events decide, so that a call ends up the same whatever
 * order its events came in (and however often): the earliest time anyone reported
 * is the start; the PBX's answered and ended times win over the console's (which
 * fill in when the PBX says nothing); the PBX's duration wins, else answered → ended
 * (0 for a call never answered); the status only moves forward (ringing →
 * in_progress → ended → closed) because it follows from which times are known.
 */
export function derive(row: CallRow, events: StoredPbxEvent[]): CallRow {
  const by = new Map(events.map((e) => [e.event, e]));
  const next = { ...row };
  for (const e of events) if (e.occurredAt < next.startedAt) next.startedAt = e.occurredAt;
  const answered = by.get('call.answered');
  const ended = by.get('call.ended');
  const recording = by.get('call.recording_ready');
  if (answered) next.answeredAt = answered.occurredAt;
  if (ended) next.endedAt = ended.occurredAt;
  if (recording && typeof recording.payload.recording_url === 'string') next.recordingUrl = recording.payload.recording_url;
  if (next.answeredAt && next.answeredAt < next.startedAt) next.startedAt = next.answeredAt;
  if (next.endedAt && next.endedAt < next.startedAt) next.startedAt = next.endedAt;
  const pbxDuration = ended && typeof ended.payload.duration_seconds === 'number' ? ended.payload.duration_seconds : null;
  if (pbxDuration !== null) next.durationSeconds = pbxDuration;
  else if (next.endedAt) next.durationSeconds = next.answeredAt ? Math.max(0, Math.round((next.endedAt.getTime() - next.answeredAt.getTime()) / 1000)) : 0;
  else next.durationSeconds = null;
  next.status = next.closedAt ? 'closed' : next.endedAt ? 'ended' : next.answeredAt ? 'in_progress' : 'ringing';
  return next;
}

/** Folds `other` into `into`: ids and facts `into` lacks come from `other`; the earliest start wins. */
function absorbInto(into: CallRow, other: CallRow): CallRow {
  const next = { ...into };
  for (const k of ['pbxCallId', 'sipCallId', 'consoleCallId', 'extension', 'userId', 'recordingUrl', 'answeredAt', 'endedAt', 'dispositionId', 'wrapupNotes', 'closedAt'] as const) {
    if (next[k] == null && other[k] != null) (next as Record<string, unknown>)[k] = other[k];
  }
  if (next.relatedId == null && other.relatedId != null) {
    next.relatedType = other.relatedType;
    next.relatedId = other.relatedId;
  }
  if (other.startedAt < next.startedAt) next.startedAt = other.startedAt;
  return next;
}

// ---------------------------------------------------------------- locked unit of work

export interface CallTx {
  em: EntityManager;
  tenantId: number;
  /** Every row sharing one of the keys, locked, oldest first. */
  rows: CallRow[];
}

const LOCK_TIMEOUT_SECONDS = 10;

function lockNames(tenantId: number, keySets: CallKeys[]): string[] {
  const names = new Set<string>();
  const add = (kind: string, v: string | null | undefined) => {
    if (v) names.add(`cc:call:${tenantId}:${kind}:${createHash('sha1').update(v).digest('base64url').slice(0, 20)}`);
  };
  // No lock for the PBX's id: it is unique on calls, so the row lock (FOR UPDATE) of a row that
  // has it, or the unique key when two writers both insert it, already serialises them.
  for (const keys of keySets) {
    add('console', keys.consoleCallId);
    add('sip', keys.sipCallId);
    for (const s of keys.moreSipCallIds ?? []) add('sip', s);
  }
  return [...names].sort();
}

async function findLocked(em: EntityManager, tenantId: number, keySets: CallKeys[]): Promise<CallRow[]> {
  const values = { id: new Set<unknown>(), pbx_call_id: new Set<unknown>(), console_call_id: new Set<unknown>(), sip_call_id: new Set<unknown>() };
  for (const keys of keySets) {
    if (keys.id) values.id.add(keys.id);
    if (keys.pbxCallId) values.pbx_call_id.add(keys.pbxCallId);
    if (keys.consoleCallId) values.console_call_id.add(keys.consoleCallId);
    for (const s of [keys.sipCallId, ...(keys.moreSipCallIds ?? [])]) if (s) values.sip_call_id.add(s);
  }
  const parts: string[] = [];
  const params: unknown[] = [];
  for (const [col, set] of Object.entries(values)) {
    if (!set.size) continue;
    parts.push(`(select * from calls where tenant_id = ? and ${col} in (${[...set].map(() => '?').join(', ')}) for update)`);
    params.push(tenantId, ...set);
  }
  if (!parts.length) return [];
  const rows = (await em.execute(parts.join(' union '), params)) as Record<string, unknown>[];
  return rows.map(rowFromDb).sort((a, b) => a.id - b.id);
}

/**
 * Runs `fn` in a READ COMMITTED transaction holding the user locks of `keys` (one
 * call's ids, or many calls' for a batch), with every call row that shares one of
 * them locked. Retried on a deadlock or a duplicate key (a racing writer that did
 * not go through here).
 */
export async function withCallLocks<T>(em: EntityManager, tenantId: number, keys: CallKeys | CallKeys[], fn: (tx: CallTx) => Promise<T>): Promise<T> {
  const keySets = Array.isArray(keys) ? keys : [keys];
  const names = lockNames(tenantId, keySets);
  for (let attempt = 1; ; attempt++) {
    try {
      return await em.fork().transactional(async (tx) => {
        try {
          if (names.length) {
            const [got] = (await tx.execute(`select ${names.map((_, i) => `get_lock(?, ${LOCK_TIMEOUT_SECONDS}) as l${i}`).join(', ')}`, names)) as Record<string, unknown>[];
            if (Object.values(got).some((v) => Number(v) !== 1)) {
              throw new AppError(503, 'call_busy', 'This call is being updated by another request; try again.', undefined, { 'Retry-After': '1' });
            }
          }
          const rows = await findLocked(tx, tenantId, keySets);
          return await fn({ em: tx, tenantId, rows });
        } finally {
          // Before COMMIT, on the transaction's own connection (see the comment at the top).
          if (names.length) await tx.execute('select release_all_locks()').catch(() => undefined);
        }
      }, { isolationLevel: IsolationLevel.READ_COMMITTED });
    } catch (err) {
      const retryable = err instanceof DeadlockException || err instanceof LockWaitTimeoutException || err instanceof UniqueConstraintViolationException;
      if (!retryable || attempt >= 4) throw err;
    }
  }
}

/** The PBX events stored for these calls, locked (a concurrent writer's new event is waited for). */
export async function eventsOf(em: EntityManager, tenantId: number, callIds: number[]): Promise<StoredPbxEvent[]> {
  if (!callIds.length) return [];
  const rows = (await em.execute(
    `select id, call_id, event, occurred_at, payload from pbx_events where tenant_id = ? and call_id in (${callIds.map(() => '?').join(', ')}) order by id for update`,
    [tenantId, ...callIds],
  )) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: Number(r.id), callId: Number(r.call_id), event: r.event as PbxEventName, occurredAt: dbDate(r.occurred_at)!,
    payload: dbJson<Record<string, unknown>>(r.payload),
  }));
}

/** Inserts a new call row; returns it with its id. */
export async function insertCall(em: EntityManager, tenantId: number, row: Omit<CallRow, 'id' | 'tenantId'>): Promise<CallRow> {
  const [inserted] = await insertCalls(em, tenantId, [row]);
  return inserted;
}

/** Inserts new call rows in one statement; returns them with their ids, in order. */
export async function insertCalls(em: EntityManager, tenantId: number, rows: Omit<CallRow, 'id' | 'tenantId'>[]): Promise<CallRow[]> {
  if (!rows.length) return [];
  const cols = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];
  const now = new Date();
  const res = (await em.execute(
    `insert into calls (tenant_id, ${cols.map((c) => COLUMNS[c]).join(', ')}, created_at, updated_at)
     values ${rows.map(() => `(?, ${cols.map(() => '?').join(', ')}, ?, ?)`).join(', ')} returning id, pbx_call_id, console_call_id`,
    rows.flatMap((row) => [tenantId, ...cols.map((c) => row[c]), now, now]),
  )) as { id: number; pbx_call_id: string | null; console_call_id: string | null }[];
  return rows.map((row, i) => {
    const back = res[i];
    // RETURNING gives the rows in the order of VALUES; the ids they carry prove it.
    if (!back || (back.pbx_call_id ?? null) !== row.pbxCallId || (back.console_call_id ?? null) !== row.consoleCallId) throw new Error('insert returning: rows out of order');
    return { ...row, id: Number(back.id), tenantId };
  });
}

/**
 * Writes many changed rows in one statement (INSERT … ON DUPLICATE KEY UPDATE on the
 * primary key: the rows exist and are locked by the caller); unchanged ones are skipped.
 */
export async function updateCalls(em: EntityManager, pairs: { before: CallRow; next: CallRow }[]): Promise<void> {
  const changed = pairs.filter((p) => changedFields(p.before, p.next).length > 0);
  if (changed.length <= 1) {
    for (const p of changed) await updateCall(em, p.before, p.next);
    return;
  }
  const cols = Object.keys(COLUMNS) as (keyof typeof COLUMNS)[];
  const now = new Date();
  await em.execute(
    `insert into calls (id, tenant_id, ${cols.map((c) => COLUMNS[c]).join(', ')}, updated_at)
     values ${changed.map(() => `(?, ?, ${cols.map(() => '?').join(', ')}, ?)`).join(', ')}
     on duplicate key update ${cols.map((c) => `${COLUMNS[c]} = values(${COLUMNS[c]})`).join(', ')}, updated_at = values(updated_at)`,
    changed.flatMap(({ before, next }) => [before.id, before.tenantId, ...cols.map((c) => next[c]), now]),
    'run',
  );
}

/** Writes the columns of `next` that differ from `before`; returns whether anything changed. */
export async function updateCall(em: EntityManager, before: CallRow, next: CallRow): Promise<boolean> {
  const changed = changedFields(before, next);
  if (!changed.length) return false;
  await em.execute(
    `update calls set ${changed.map((k) => `${COLUMNS[k]} = ?`).join(', ')}, updated_at = ? where tenant_id = ? and id = ?`,
    [...changed.map((k) => next[k]), new Date(), before.tenantId, before.id],
    'run',
  );
  return true;
}

export function changedFields(before: CallRow, next: CallRow): (keyof typeof COLUMNS)[] {
  return (Object.keys(COLUMNS) as (keyof typeof COLUMNS)[]).filter((k) => {
    const a = before[k];
    const b = next[k];
    if (DATE_FIELDS.has(k)) return ((a as Date | null)?.getTime() ?? null) !== ((b as Date | null)?.getTime() ?? null);
    return a !== b;
  });
}

/** Moves `other`'s PBX events to `into` and deletes `other` (its ids go to `into` in the caller's update). */
async function deleteAbsorbed(em: EntityManager, tenantId: number, intoId: number, otherId: number): Promise<void> {
  await em.execute('update pbx_events set call_id = ? where tenant_id = ? and call_id = ?', [intoId, tenantId, otherId], 'run');
  await em.execute('delete from calls where tenant_id = ? and id = ?', [tenantId, otherId], 'run');
}

/**
 * Merges every row found into one: the console's row if there is one (the console
 * holds its id), else the oldest. Returns the survivor as merged (not yet written)
 * and the ids deleted.
 */
export async function mergeRows(tx: CallTx, preferId?: number): Promise<{ survivor: CallRow | null; original: CallRow | null; absorbed: number[] }> {
  if (!tx.rows.length) return { survivor: null, original: null, absorbed: [] };
  const original = tx.rows.find((r) => r.id === preferId) ?? tx.rows.find((r) => r.consoleCallId) ?? tx.rows[0];
  let survivor = original;
  const absorbed: number[] = [];
  for (const other of tx.rows) {
    if (other.id === original.id) continue;
    survivor = absorbInto(survivor, other);
    await deleteAbsorbed(tx.em, tx.tenantId, original.id, other.id);
    absorbed.push(other.id);
  }
  return { survivor, original, absorbed };
}
