import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { MikroORM } from '@mikro-orm/mariadb';
import { ormOptions } from '../db/orm.ts';

/**
 * `npm run db:migrate`: creates the database if it is missing and applies every
 * pending migration in migrations/. Running it again changes nothing.
 */
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const orm = await MikroORM.init({ ...ormOptions(config.DATABASE_URL), allowGlobalContext: true });
try {
  await orm.schema.ensureDatabase({ create: true });
  const done = await orm.migrator.up();
  logger.info({ applied: done.map((m) => m.name) }, done.length ? `applied ${done.length} migration(s)` : 'database schema is up to date');
} finally {
  await orm.close(true);
}
