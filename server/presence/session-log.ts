import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import { plainSql, type PlainSql } from '../db/plain-sql.ts';

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
 */
export class SessionLog {
  private pendingOpen: Opened[] = [];
  private pendingClose = new Map<string, { tenantId: number; at: Date }>();
  /** Users (per tenant) whose presence_events must catch up with Redis. */
  private pendingPresence = new Map<number, Set<number>>();
  /** The same, taken by the flush running now. */
  private recording = new Map<number, Set<number>>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();
  private readonly sql: PlainSql;

  constructor(
    orm: MikroORM,
    private readonly nodeId: string,
    private readonly logger: Logger,
    /** Brings these users' presence_events in line with Redis (one transaction). */
    private readonly record: (tenantId: number, userIds: number[]) => Promise<unknown>,
    private readonly delayMs = 100,
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
      await this.sql.query(
        `update user_sessions set disconnected_at = ? where disconnected_at is null and (tenant_id, socket_id) in (${chunk.map(() => '(?, ?)').join(', ')})`,
        [at, ...chunk.flat()],
      );
    }
  }

  /** Writes everything queued so far (and waits for a flush already running). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.flushing = this.flushing.then(() => this.write()).catch((err) => this.logger.warn({ err }, 'user_sessions write failed'));
    return this.flushing;
  }

  private schedule(delayMs = this.delayMs): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, delayMs);
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
    for (let i = 0; i < opened.length; i += CHUNK) {
      const chunk = opened.slice(i, i + CHUNK);
      const values: unknown[] = [];
      for (const r of chunk) values.push(r.tenantId, r.userId, r.socketId, this.nodeId, r.ip, r.userAgent, r.at, r.at);
      await this.sql.query(
        `insert into user_sessions (tenant_id, user_id, socket_id, node_id, ip_address, user_agent, connected_at, last_active_at)
         values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        values,
      );
    }
    // One statement per chunk, stamped with the chunk's latest disconnect (at most delayMs apart).
    const rows = [...closed.entries()];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const at = new Date(Math.max(...chunk.map(([, c]) => c.at.getTime())));
      await this.sql.query(
        `update user_sessions set disconnected_at = ?, last_active_at = ? where (tenant_id, socket_id) in (${chunk.map(() => '(?, ?)').join(', ')})`,
        [at, at, ...chunk.flatMap(([socketId, c]) => [c.tenantId, socketId])],
      );
    }
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
