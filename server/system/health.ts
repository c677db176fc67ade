import type { Express } from 'express';
import type { MikroORM } from '@mikro-orm/mariadb';
import type { Redis } from 'ioredis';

async function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, rej) => { timer = setTimeout(() => rej(new Error('timeout')), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET /health: 200 when the database and Redis answer, 503 naming the one that does not. */
export function mountHealth(app: Express, orm: MikroORM, redis: Redis, role: string): void {
  app.get('/health', async (_req, res) => {
    const [db, rd] = await Promise.all([
      within(2000, orm.em.getConnection().execute('select 1')).then(() => 'up' as const, () => 'down' as const),
      within(2000, redis.ping()).then(() => 'up' as const, () => 'down' as const),
    ]);
    const ok = db === 'up' && rd === 'up';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', role, database: db, redis: rd, uptimeSeconds: Math.round(process.uptime()) });
  });
}
