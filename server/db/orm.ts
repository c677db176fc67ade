import { MikroORM, type Options } from '@mikro-orm/mariadb';

// MariaDB driver: it reads MariaDB's catalogue correctly (JSON checks, quoted
// defaults), so the schema diff after migrating is empty. It also speaks MySQL 8.
import { Migrator } from '@mikro-orm/migrations';
import { CompiledQuery, type DatabaseConnection } from 'kysely';
import { SeedManager } from '@mikro-orm/seeder';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { entities } from './entities.ts';
import type { Logger } from '../logger.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** migrations/ beside server/: the .ts sources in development, dist/migrations once built. */
export const MIGRATIONS_DIR = path.resolve(here, '../../migrations');

export function ormOptions(databaseUrl: string, logger?: Logger): Options {
  return {
    entities,
    clientUrl: databaseUrl,
    // UTC in and out: MariaDB DATETIME has no zone. `timezone` makes the driver
    // convert Dates as UTC; the session zone is pinned too, so NOW() is UTC.
    timezone: '+00:00',
    onCreateConnection: async (conn: unknown) => {
      await (conn as DatabaseConnection).executeQuery(CompiledQuery.raw("set time_zone = '+00:00'"));
    },
    charset: 'utf8mb4',
    collate: 'utf8mb4_unicode_ci',
    // Every unit of work forks its own EntityManager with its tenant set.
    allowGlobalContext: false,
    forceUtcTimezone: true,
    extensions: [Migrator, SeedManager],
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
      emit: 'ts',
      fileName: (timestamp: string, name?: string) => `Migration${timestamp}${name ? `_${name}` : ''}`,
    },
    // Filters apply to the queried table only; joining every related table to
    // re-check its tenant costs a join per relation on every query.
    autoJoinRefsForFilters: false,
    pool: { min: 0, max: 10 },
    logger: logger ? (message: string) => logger.debug({ orm: true }, message) : undefined,
    debug: false,
  } as Options;
}

export async function createOrm(databaseUrl: string, logger?: Logger): Promise<MikroORM> {
  return MikroORM.init(ormOptions(databaseUrl, logger));
}
export { MikroORM };
export type { EntityManager } from '@mikro-orm/mariadb';
