import { MikroORM } from '@mikro-orm/mariadb';
import { loadConfig } from '../config.ts';
import { ormOptions } from '../db/orm.ts';

/**
 * Developer tool: writes a migration for the difference between the entities
 * and a database migrated to the latest migration. Usage:
 *   npx tsx server/cli/make-migration.ts [name]
 */
const config = loadConfig();
const orm = await MikroORM.init({ ...ormOptions(config.DATABASE_URL), allowGlobalContext: true });
try {
  await orm.schema.ensureDatabase({ create: true });
  await orm.migrator.up();
  const res = await orm.migrator.create(undefined, false, false, process.argv[2]);
  console.log(res.fileName ? `wrote ${res.fileName}` : 'no changes: the entities match the migrations');
} finally {
  await orm.close(true);
}
