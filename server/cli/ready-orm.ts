import { MikroORM } from '@mikro-orm/mariadb';
import { loadConfig, type Config } from '../config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { ormOptions } from '../db/orm.ts';
import { checkSchemaReady } from '../db/readiness.ts';

/**
 * The frame of a command that works on a migrated database (seed, secrets:rotate): the
 * config, a logger and the ORM for `fn`; exit code 1, with the reason logged, when the
 * schema is not ready; the ORM closed whatever happens.
 */
export async function withReadyOrm(fn: (orm: MikroORM, config: Config, logger: Logger) => Promise<void>): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL);
  const orm = await MikroORM.init(ormOptions(config.DATABASE_URL));
  try {
    const problem = await checkSchemaReady(orm);
    if (problem) {
      logger.fatal(problem);
      process.exitCode = 1;
    } else {
      await fn(orm, config, logger);
    }
  } finally {
    await orm.close(true);
  }
}
