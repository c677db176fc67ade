/**
 * Plain SQL on the ORM's own mysql2 pool, for the few statements that run on every handshake or
 * every request (the access-token check, presence, user_sessions). Going through the ORM's
 * `execute` costs about twice the allocation of the query itself (its own formatting, logging
 * hooks and the Kysely layer), and a transaction through it ten times more: on a burst of
 * websocket handshakes that garbage outlives the round trips, is promoted and is what the
 * process's memory high water is made of. Same pool, same connections, same type casting
 * (date strings, big numbers) as the ORM's plain-SQL reads; values are escaped by mysql2.
 */

/** The part of a mysql2 connection (or pool) used here. */
interface Queryable {
  query(sql: string, values: unknown[], cb: (err: Error | null, result: unknown) => void): unknown;
}
interface PooledConnection extends Queryable {
  release(): void;
  destroy(): void;
}
interface Pool extends Queryable {
  /** Set by mysql2 once the pool is ended. */
  _closed?: boolean;
  getConnection(cb: (err: Error | null, conn: PooledConnection) => void): void;
  on(event: 'connection', listener: (conn: PooledConnection) => void): unknown;
}
/** What `em.getConnection()` and `orm.em.getConnection()` return, as far as this needs. */
interface OrmConnection {
  getNativeClient(): Promise<unknown>;
}

/** Runs one statement: the rows of a read, the result header of a write. */
export type Query = <T = any>(sql: string, params?: unknown[]) => Promise<T>;

function run<T>(on: Queryable, sql: string, params: unknown[]): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    on.query(sql, params, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Pools whose new connections already get their session zone pinned. */
const zoned = new WeakSet<object>();

export class PlainSql {
  private pool: Pool | null = null;

  constructor(private readonly connection: OrmConnection) {}

  /** The ORM's pool; asked again once it is closed (the ORM makes a new one if it ever reconnects). */
  private async getPool(): Promise<Pool> {
    if (this.pool && !this.pool._closed) return this.pool;
    const pool = (await this.connection.getNativeClient()) as Pool;
    this.pool = pool;
    if (!zoned.has(pool)) {
      zoned.add(pool);
      // The ORM pins every new connection's session zone to UTC when it first uses it; a connection this
      // opens first gets the same (the statement is queued ahead of the one that asked for the connection).
      pool.on('connection', (conn) => conn.query("set time_zone = '+00:00'", [], () => undefined));
    }
    return pool;
  }

  /** One statement on any free connection. */
  readonly query: Query = <T = any>(sql: string, params: unknown[] = []): Promise<T> =>
    this.pool && !this.pool._closed ? run<T>(this.pool, sql, params) : this.getPool().then((pool) => run<T>(pool, sql, params));

  /**
   * `fn` in one transaction on one connection: committed when it resolves, rolled back when it throws. A
   * transaction InnoDB rolls back on a lock conflict (a deadlock victim, a lock wait that timed out) runs again,
   * up to `attempts` times in all, so `fn` must be safe to run again: database work, and reads of the current
   * state elsewhere, but nothing sent or published.
   */
  transaction<T>(fn: (q: Query) => Promise<T>, opts: { isolation?: 'READ COMMITTED' | 'REPEATABLE READ'; attempts?: number } = {}): Promise<T> {
    return retryOnLockConflict(() => this.once(fn, opts.isolation), opts.attempts);
  }

  private async once<T>(fn: (q: Query) => Promise<T>, isolation?: 'READ COMMITTED' | 'REPEATABLE READ'): Promise<T> {
    const pool = await this.getPool();
    const conn = await new Promise<PooledConnection>((resolve, reject) => pool.getConnection((err, c) => (err ? reject(err) : resolve(c))));
    const q: Query = <R = any>(sql: string, params: unknown[] = []) => run<R>(conn, sql, params);
    let begun = false;
    try {
      if (isolation) await q(`set transaction isolation level ${isolation}`);
      await q('start transaction');
      begun = true;
      const out = await fn(q);
      await q('commit');
      conn.release();
      return out;
    } catch (err) {
      try {
        if (!begun) throw err; // a one-shot isolation level may still be pending on it: never reuse it
        await q('rollback');
        conn.release();
      } catch {
        // A connection that could not begin, or cannot even roll back, is not given back to the pool.
        conn.destroy();
      }
      throw err;
    }
  }
}

/**
 * A lock conflict InnoDB settled by failing this statement (or transaction): a deadlock victim, or a lock
 * wait that timed out. Nothing was written by it, so it is safe to run again.
 */
export function isLockConflict(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
}

/** Runs `fn` again, after a short random pause, while it fails on a lock conflict (`attempts` runs in all). */
export async function retryOnLockConflict<T>(fn: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isLockConflict(err) || attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 5 + Math.random() * 20 * attempt));
    }
  }
}

const byConnection = new WeakMap<object, PlainSql>();

/** The plain-SQL runner of an ORM connection (`em.getConnection()`: every fork shares it). */
export function plainSql(connection: OrmConnection): PlainSql {
  let hit = byConnection.get(connection);
  if (!hit) {
    hit = new PlainSql(connection);
    byConnection.set(connection, hit);
  }
  return hit;
}
