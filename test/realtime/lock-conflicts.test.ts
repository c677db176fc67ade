import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, type Connection } from 'mysql2/promise';
import { startTestSystem, type TestSystem } from '../helpers/system.ts';
import { seedDemo } from '../../server/db/seed.ts';
import { SecretBox } from '../../server/security/secret-box.ts';
import { SessionLog } from '../../server/presence/session-log.ts';
import { until } from '../helpers/sockets.ts';

/**
 * Presence and session writes lose nothing to the database's own conflicts. A user_sessions statement that InnoDB
 * rolls back as a deadlock victim runs again, a row the database refuses does not take the rest of its batch with
 * it, and the heartbeat stamps only the open sessions it names. A presence record (the telephony hook's on a call,
 * wrap-up) that loses a deadlock runs again instead of leaving the history and the live dashboards behind.
 * Real MariaDB, real locks: each deadlock is made by a second connection, not simulated.
 */

let sys: TestSystem;
let tenantId: number;
let userId: number;
const warnings: string[] = [];
const logger = {
  warn: (_o: unknown, msg: string) => warnings.push(msg),
  error: (_o: unknown, msg: string) => warnings.push(msg),
  info: () => undefined,
  debug: () => undefined,
} as never;

const q = async <T = any>(query: string, params: unknown[] = []) => sys.orm.em.getConnection().execute(query, params) as Promise<T[]>;
const sessionsOf = (node: string) => q<{ socket_id: string; node_id: string; last_active_at: string; disconnected_at: string | null }>(
  'select socket_id, node_id, last_active_at, disconnected_at from user_sessions where node_id = ? order by socket_id', [node]);

/** A session log of its own node that writes only when told or when it retries (no batch timer within a test). */
const newLog = (node: string, lockAttempts?: number) => new SessionLog(sys.orm, node, logger, async () => undefined, 3_600_000, lockAttempts);
const row = (socketId: string, user = userId) => ({ tenantId, userId: user, socketId, ip: '203.0.113.9', userAgent: 'test', at: new Date() });

/**
 * Waits until a transaction on this test's database waits for a lock (other test files run their own databases on
 * the same server at the same time). information_schema.innodb_trx is refreshed only when it was not read for 100 ms.
 */
const someoneWaits = () => until(async () => (await q(
  `select t.trx_state from information_schema.innodb_trx t join information_schema.processlist p on p.id = t.trx_mysql_thread_id
    where p.db = database() and t.trx_state = 'LOCK WAIT'`,
)).length > 0, 5000, 150);

let other: Connection;

/**
 * Opens a transaction on the other connection and makes it heavy (300 rows written, rolled back later): InnoDB
 * rolls back the lighter side of a deadlock, so the statement under test is the victim.
 */
async function beginHeavy(): Promise<void> {
  await other.query('start transaction');
  const filler = Array.from({ length: 300 }, (_, i) => [tenantId, userId, `filler-${i}`, 'filler-node', new Date(), new Date()]);
  await other.query('insert into user_sessions (tenant_id, user_id, socket_id, node_id, connected_at, last_active_at) values ?', [filler]);
}
beforeAll(async () => {
  sys = await startTestSystem('session_log');
  await seedDemo(sys.orm, new SecretBox(sys.config.SECRETS_KEYS));
  ({ tenant_id: tenantId, id: userId } = (await q('select tenant_id, id from users order by id limit 1'))[0]);
  other = await createConnection(sys.dbUrl);
});
afterAll(async () => {
  await other?.end();
  await sys?.stop();
});

describe('user_sessions writes', () => {
  /**
   * Makes the batch's insert of aa-first and zz-target lose a real deadlock: the heavy other transaction holds
   * zz-target's key, lets the batch take aa-first and wait for
   * zz-target, then asks for aa-first. The other transaction's insert goes through only if the batch was the
   * victim (it would throw otherwise); then it rolls back. Resolves once the flush is over.
   */
  async function loseDeadlock(log: SessionLog): Promise<void> {
    await beginHeavy();
    const insert = 'insert into user_sessions (tenant_id, user_id, socket_id, node_id, connected_at, last_active_at) values (?, ?, ?, ?, now(), now())';
    await other.query(insert, [tenantId, userId, 'zz-target', 'filler-node']);
    log.opened(row('aa-first'));
    log.opened(row('zz-target'));
    const flushed = log.flush();
    await someoneWaits();
    await other.query(insert, [tenantId, userId, 'aa-first', 'filler-node']);
    await other.query('rollback');
    await flushed;
  }

  it('a batch insert chosen as a deadlock victim is run again at once: both rows land', async () => {
    const log = newLog('dl-node');
    await loseDeadlock(log);
    expect((await sessionsOf('dl-node')).map((r) => r.socket_id)).toEqual(['aa-first', 'zz-target']);
    expect(await sessionsOf('filler-node')).toEqual([]);
    expect(warnings).toEqual([]);
  });

  it('rows a write could not make are queued again and written by the retry a second later, with a close that came meanwhile', async () => {
    await q("delete from user_sessions where node_id = 'dl-node'");
    const log = newLog('dl-node', 1); // no second run: the failed write goes back to the queue
    await loseDeadlock(log);
    expect(await sessionsOf('dl-node')).toEqual([]);
    expect(warnings).toEqual(['user_sessions write failed; queued again']);
    log.closed(tenantId, 'zz-target', new Date());
    // The retry writes the rows, then (a second statement) the close.
    await until(async () => (await sessionsOf('dl-node')).some((r) => r.disconnected_at !== null), 5000);
    expect((await sessionsOf('dl-node')).map((r) => [r.socket_id, r.disconnected_at !== null])).toEqual([['aa-first', false], ['zz-target', true]]);
    warnings.length = 0;
  });

  it('a row the database refuses (its user is gone) does not take the rest of the batch with it', async () => {
    const log = newLog('fk-node');
    const gone = Number((await q('select max(id) m from users'))[0].m) + 1000;
    log.opened(row('fk-1'));
    log.opened(row('fk-gone', gone));
    log.opened(row('fk-2'));
    await log.flush();
    expect((await sessionsOf('fk-node')).map((r) => r.socket_id)).toEqual(['fk-1', 'fk-2']);
    // And a close queued with its open is applied after it.
    log.closed(tenantId, 'fk-1', new Date());
    await log.flush();
    expect((await sessionsOf('fk-node')).map((r) => [r.socket_id, r.disconnected_at !== null])).toEqual([['fk-1', true], ['fk-2', false]]);
  });

  it('the heartbeat stamps last_active_at of the open sessions it names, and only those', async () => {
    const log = newLog('touch-node');
    for (const id of ['t-1', 't-2', 't-3']) log.opened({ ...row(id), at: new Date('2026-01-01T00:00:00Z') });
    await log.flush();
    log.closed(tenantId, 't-3', new Date('2026-01-01T00:00:05Z'));
    await log.flush();
    const at = new Date('2026-06-01T12:00:00Z');
    await log.touch([{ tenantId, socketId: 't-1' }, { tenantId, socketId: 't-3' }, { tenantId, socketId: 'never-written' }], at);
    const rows = await sessionsOf('touch-node');
    const stamp = (id: string) => new Date(rows.find((r) => r.socket_id === id)!.last_active_at).toISOString();
    expect(stamp('t-1')).toBe(at.toISOString());
    expect(stamp('t-2')).toBe('2026-01-01T00:00:00.000Z');
    expect(stamp('t-3')).toBe('2026-01-01T00:00:05.000Z'); // closed: its last activity is its close
  });
});

describe('presence records', () => {
  it('a record of the telephony hook that loses a deadlock runs again: both agents are on a call in the history', async () => {
    const [u1, u2] = (await q('select id from users where tenant_id = ? order by id limit 2', [tenantId])).map((r) => Number(r.id));
    // The other transaction, made heavy, holds the second user's row; the record locks the first, waits for the
    // second; the other then asks for the first: a deadlock, the record being the lighter side.
    await beginHeavy();
    await other.query('select id from users where id = ? for update', [u2]);
    const recorded = sys.services.presence.setManyBySystem(tenantId, [{ userId: u1, state: 'on_call' }, { userId: u2, state: 'on_call' }]);
    await someoneWaits();
    await other.query('select id from users where id = ? for update', [u1]); // goes through only if the record was the victim
    await other.query('rollback');
    await recorded;
    const open = await q('select user_id, state from presence_events where tenant_id = ? and user_id in (?, ?) and ended_at is null order by user_id', [tenantId, u1, u2]);
    expect(open.map((r) => [Number(r.user_id), r.state])).toEqual([[u1, 'on_call'], [u2, 'on_call']]);
  });
});
