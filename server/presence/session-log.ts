import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import { plainSql, retryOnLockConflict, type PlainSql } from '../db/plain-sql.ts';

interface Opened {
  tenantId: number;
  userId: number;
  socketId: string;
  ip: string;
  userAgent: string;
  at: Date;
}

/** Rows per statement: well under max_allowed_packet, big enough for a reconnect storm. */
const CHUNK = 500;
/** Longest pause between two tries of a write that keeps failing (the database is away). */
const MAX_RETRY_MS = 30_000;
/** Row changes kept while the database is away; past this the oldest are dropped (and logged). */
const MAX_QUEUED = 200_000;

/**
 * Writes user_sessions off the handshake path: a connect or disconnect queues its
 * row change, and the queue is written shortly after in one multi-row INSERT and
 * one UPDATE per distinct time (two statements and one commit for a whole burst of
 * connections, instead of one transaction per socket). The row of a socket exists
 * within `delayMs` of its connection; a disconnect queued before its own insert was
 * written is applied after it, in the same flush.
 *
 * The presence_events of users who came online with a connect are brought in line the
 * same way: the connect queues the user, and the flush records every queued user of a
 * tenant in one transaction (`record`, which writes the state Redis holds then, so a
 * record that comes late is still right). A change of the same node to a user still
 * queued writes the queue first (`isQueued`), so no state is skipped in the history.
 *
 * Nothing queued is lost to a failed write: a statement that loses a lock conflict (a
 * deadlock with another node's writes, a lock wait that timed out) runs again at once, and
 * what still fails (the database away) is queued again and tried after a pause that grows
 * to 30 s. The insert skips rows the database refuses one by one (`insert ignore`: a user
 * deleted meanwhile, a row already written by a try whose answer was lost) so that one bad
 * row cannot hold back the others.
 */
export class SessionLog {
  private pendingOpen: Opened[] = [];
  private pendingClose = new Map<string, { tenantId: number; at: Date }>();
  /** Users (per tenant) whose presence_events must catch up with Redis. */
  private pendingPresence = new Map<number, Set<number>>();
  /** The same, taken by the flush running now. */
  private recording = new Map<number, Set<number>>();
  private timer: NodeJS.Timeout | null = null;
  /** Tries in a row that failed: the next pause grows with it. */
  private failures = 0;
  /** While writes fail, no try before this time (epoch ms), however much is queued meanwhile. */
  private retryAt = 0;
  private flushing: Promise<void> = Promise.resolve();
  private readonly sql: PlainSql;

  constructor(
    orm: MikroORM,
    private readonly nodeId: string,
    private readonly logger: Logger,
    /** Brings these users' presence_events in line with Redis (one transaction). */
    private readonly record: (tenantId: number, userIds: number[]) => Promise<unknown>,
    private readonly delayMs = 100,
    /** Runs of a statement that loses lock conflicts before its rows are queued again for later. */
    private readonly lockAttempts = 4,
  ) {
    this.sql = plainSql(orm.em.getConnection());
  }

  opened(row: Opened): void {
    this.pendingOpen.push(row);
    this.schedule();
  }

  closed(tenantId: number, socketId: string, at: Date): void {
    this.pendingClose.set(socketId, { tenantId, at });
    this.schedule();
  }

  /** The user's state changed in Redis; record it with the next flush. */
  presenceChanged(tenantId: number, userId: number): void {
    let users = this.pendingPresence.get(tenantId);
    if (!users) this.pendingPresence.set(tenantId, (users = new Set()));
    users.add(userId);
    this.schedule();
  }

  /** Whether a presence record of this user is queued or being written. */
  isQueued(tenantId: number, userId: number): boolean {
    return !!(this.pendingPresence.get(tenantId)?.has(userId) || this.recording.get(tenantId)?.has(userId));
  }

  /** Closes the sessions of sockets that died elsewhere (the sweeper), now. */
  async closeDead(sockets: [tenantId: number, socketId: string][], at: Date): Promise<void> {
    for (let i = 0; i < sockets.length; i += CHUNK) {
      const chunk = sockets.slice(i, i + CHUNK);
      await retryOnLockConflict(() => this.sql.query(
        `update user_sessions set disconnected_at = ? where disconnected_at is null and (tenant_id, socket_id) in (${chunk.map(() => '(?, ?)').join(', ')})`,
        [at, ...chunk.flat()],
      ));
    }
  }

  /**
   * Stamps `last_active_at` on the open sessions of these sockets (the heartbeat, once per grace period).
   * Each chunk is one statement in a READ COMMITTED transaction that finds its rows by the unique
   * (tenant_id, socket_id) key: it locks only the rows it changes, and no gap that a concurrent insert of
   * new sessions needs. (The statement before walked the node's open sessions under REPEATABLE READ, and
   * its gap locks deadlocked with the batch insert under a burst of 10,000 connections.)
   */
  async touch(sockets: readonly { tenantId: number; socketId: string }[], at: Date): Promise<void> {
    for (let i = 0; i < sockets.length; i += CHUNK) {
      const chunk = sockets.slice(i, i + CHUNK);
      const params: unknown[] = [at];
      for (const s of chunk) params.push(s.tenantId, s.socketId);
      await this.sql.transaction(
        (q) => q(`update user_sessions set last_active_at = ? where disconnected_at is null and (tenant_id, socket_id) in (${chunk.map(() => '(?, ?)').join(', ')})`, params),
        { isolation: 'READ COMMITTED' },
      );
    }
  }

  /** Writes everything queued so far (and waits for a flush already running). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = this.flushing.then(() => this.write()).catch((err) => this.logger.warn({ err }, 'session batch failed'));
    return this.flushing;
  }

  private schedule(delayMs = this.delayMs): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, Math.max(delayMs, this.retryAt - Date.now()));
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const opened = this.pendingOpen;
    const closed = this.pendingClose;
    this.recording = this.pendingPresence;
    this.pendingOpen = [];
    this.pendingClose = new Map();
    this.pendingPresence = new Map();
    try {
      await this.writePresence(this.recording);
    } finally {
      this.recording = new Map();
    }
    if (!opened.length && !closed.size) return;
    let i = 0;
    try {
      for (; i < opened.length; i += CHUNK) {
        const chunk = opened.slice(i, i + CHUNK);
        const values: unknown[] = [];
        for (const r of chunk) values.push(r.tenantId, r.userId, r.socketId, this.nodeId, r.ip, r.userAgent, r.at, r.at);
        await retryOnLockConflict(() => this.sql.query(
          `insert ignore into user_sessions (tenant_id, user_id, socket_id, node_id, ip_address, user_agent, connected_at, last_active_at)
           values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
          values,
        ), this.lockAttempts);
      }
    } catch (err) {
      // This chunk and the ones after it were not written. The closes wait for them: a close applied
      // before its socket's row exists would match nothing.
      this.failed(err, opened.slice(i), closed);
      return;
    }
    // One statement per chunk, stamped with the chunk's latest disconnect (at most delayMs apart).
    const rows = [...closed.entries()];
    let j = 0;
    try {
      for (; j < rows.length; j += CHUNK) {
        const chunk = rows.slice(j, j + CHUNK);
        const at = new Date(Math.max(...chunk.map(([, c]) => c.at.getTime())));
        await retryOnLockConflict(() => this.sql.query(
          `update user_sessions set disconnected_at = ?, last_active_at = ? where (tenant_id, socket_id) in (${chunk.map(() => '(?, ?)').join(', ')})`,
          [at, at, ...chunk.flatMap(([socketId, c]) => [c.tenantId, socketId])],
        ), this.lockAttempts);
      }
    } catch (err) {
      this.failed(err, [], new Map(rows.slice(j)));
      return;
    }
    this.failures = 0;
    this.retryAt = 0;
  }

  /** Queues again the row changes a write could not make, ahead of what came since, and tries again later. */
  private failed(err: unknown, opened: Opened[], closed: Map<string, { tenantId: number; at: Date }>): void {
    this.failures += 1;
    this.pendingOpen = opened.concat(this.pendingOpen);
    for (const [socketId, c] of closed) if (!this.pendingClose.has(socketId)) this.pendingClose.set(socketId, c);
    const over = this.pendingOpen.length + this.pendingClose.size - MAX_QUEUED;
    if (over > 0) {
      const fromOpen = Math.min(over, this.pendingOpen.length);
      this.pendingOpen.splice(0, fromOpen);
      for (const socketId of [...this.pendingClose.keys()].slice(0, over - fromOpen)) this.pendingClose.delete(socketId);
      this.logger.error({ dropped: over }, 'user_sessions: the database has been away too long; the oldest queued session changes were dropped');
    }
    const delayMs = Math.min(MAX_RETRY_MS, 1000 * 2 ** (this.failures - 1));
    this.retryAt = Date.now() + delayMs;
    this.logger.warn({ err, opened: opened.length, closed: closed.size, retryInMs: delayMs }, 'user_sessions write failed; queued again');
    this.schedule(delayMs);
  }

  /**
   * The queued presence records, one transaction per tenant (and per CHUNK users). A record that
   * fails is queued again: it writes whatever Redis holds when it runs, so a later try is as right.
   */
  private async writePresence(queued: Map<number, Set<number>>): Promise<void> {
    let failed = false;
    for (const [tenantId, users] of queued) {
      const ids = [...users];
      for (let i = 0; i < ids.length; i += CHUNK) {
        const chunk = ids.slice(i, i + CHUNK);
        try {
          await this.record(tenantId, chunk);
        } catch (err) {
          this.logger.warn({ err, tenantId, users: chunk.length }, 'presence_events write failed; retrying in a second');
          failed = true;
          let again = this.pendingPresence.get(tenantId);
          if (!again) this.pendingPresence.set(tenantId, (again = new Set()));
          for (const u of chunk) again.add(u);
        }
      }
    }
    if (failed) this.schedule(1000);
  }
}
