import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { MikroORM } from '@mikro-orm/mariadb';
import { loadConfig, type Config } from '../../server/config.ts';
import { ormOptions } from '../../server/db/orm.ts';
import { createSystem, type System } from '../../server/app.ts';
import { createLogger } from '../../server/logger.ts';

const BASE_DB = process.env.DATABASE_URL ?? 'mysql://root@127.0.0.1:3306/test';
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export function dbUrl(name: string): string {
  const u = new URL(BASE_DB);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A database of this test file's own, migrated with the real migrations. */
export async function createTestDatabase(label = 'cc'): Promise<{ name: string; url: string; orm: MikroORM; drop(): Promise<void> }> {
  const name = `t_${label.replace(/[^a-z0-9]/gi, '').slice(0, 20)}_${randomBytes(4).toString('hex')}`;
  const url = dbUrl(name);
  const orm = await MikroORM.init({ ...ormOptions(url), allowGlobalContext: false });
  await orm.schema.ensureDatabase({ create: true });
  await orm.migrator.up();
  return {
    name, url, orm,
    async drop() {
      await orm.em.getConnection().execute(`drop database if exists \`${name}\``);
      await orm.close(true);
    },
  };
}

/** Captures every log line of a system, to assert on request ids and on secrets never logged. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    cb();
  }
  text() {
    return this.lines.join('\n');
  }
  /** The lines that are JSON log records, parsed (as `NodeProcess.logs()` gives a child process's). */
  records(): Record<string, any>[] {
    return this.lines.flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
  }
}

export interface TestSystem extends System {
  baseUrl: string;
  logs: LogCapture;
  dbName: string;
  dbUrl: string;
  stop(): Promise<void>;
}

/** The whole system on a random port, on a fresh database and Redis key prefix. */
export async function startTestSystem(label: string, overrides: Partial<Config> = {}, env: NodeJS.ProcessEnv = {}): Promise<TestSystem> {
  const db = await createTestDatabase(label);
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'info', REDIS_URL, ...env }, { DATABASE_URL: db.url, ROLE: 'web', ...overrides });
  const logs = new LogCapture();
  const logger = createLogger(config.LOG_LEVEL, logs);
  const system = await createSystem({ config, logger, orm: db.orm, redisPrefix: `t:${db.name}` });
  const port = await system.listen(0);
  return Object.assign(system, {
    baseUrl: `http://127.0.0.1:${port}`,
    logs,
    dbName: db.name,
    dbUrl: db.url,
    async stop() {
      const keys = await scanKeys(system.redis, `t:${db.name}*`);
      if (keys.length) await system.redis.del(...keys).catch(() => undefined);
      await system.close();
      await db.drop();
    },
  });
}

async function scanKeys(redis: System['redis'], pattern: string): Promise<string[]> {
  const out: string[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      out.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  } catch {
    // the connection may already be closed
  }
  return out;
}
