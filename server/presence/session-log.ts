import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';

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
 */
export class SessionLog {
  private pendingOpen: Opened[] = [];
  private pendingClose = new Map<string, { tenantId: number; at: Date }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly orm: MikroORM,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly delayMs = 100,
  ) {}

  opened(row: Opened): void {
    this.pendingOpen.push(row);
    this.schedule();
  }

  closed(tenantId: number, socketId: string, at: Date): void {
    this.pendingClose.set(socketId, { tenantId, at });
    this.schedule();
  }

  /** Closes the sessions of sockets that died elsewhere (the sweeper), now. */
  async closeDead(sockets: [tenantId: number, socketId: string][], at: Date): Promise<void> {
    const conn = this.orm.em.fork().getConnection();
    for (let i = 0; i < sockets.length; i += CHUNK) {
      const chunk = sockets.slice(i, i + CHUNK);
      await conn.execute(
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

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, this.delayMs);
    this.timer.unref();
  }

  private async write(): Promise<void> {
    const opened = this.pendingOpen;
    const closed = this.pendingClose;
    this.pendingOpen = [];
    this.pendingClose = new Map();
    if (!opened.length && !closed.size) return;
    const conn = this.orm.em.fork().getConnection();
    for (let i = 0; i < opened.length; i += CHUNK) {
      const chunk = opened.slice(i, i + CHUNK);
      await conn.execute(
        `insert into user_sessions (tenant_id, user_id, socket_id, node_id, ip_address, user_agent, connected_at, last_active_at)
         values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((r) => [r.tenantId, r.userId, r.socketId, this.nodeId, r.ip, r.userAgent, r.at, r.at]),
      );
    }
    // One statement per chunk, stamped with the chunk's latest disconnect (at most delayMs apart).
    const rows = [...closed.entries()];
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      const at = new Date(Math.max(...chunk.map(([, c]) => c.at.getTime())));
      await conn.execute(
        `update user_sessions set disconnected_at = ?, last_active_at = ? where (tenant_id, socket_id) in (${chunk.map(() => '(?, ?)').join(', ')})`,
        [at, at, ...chunk.flatMap(([socketId, c]) => [c.tenantId, socketId])],
      );
    }
  }
}
