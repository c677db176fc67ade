import { loadConfig, ConfigError } from './config.ts';
import { createLogger } from './logger.ts';
import { createOrm } from './db/orm.ts';
import { createSystem } from './app.ts';
import { checkSchemaReady } from './db/readiness.ts';

/** The entry point: validates config, checks the database, starts the roles asked for. */
async function main() {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const orm = await createOrm(config.DATABASE_URL, logger).catch((err: Error) => {
    logger.fatal(`Cannot reach the database at ${config.DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')}: ${err.message}`);
    process.exit(1);
  });
  // MikroORM.init does not fail on an unreachable database: ask, so the operator is not told to migrate instead.
  const unreachable = await orm.em.getConnection().execute('select 1').then(() => null, (err: Error) => err.message);
  if (unreachable !== null) {
    logger.fatal(`Cannot reach the database at ${config.DATABASE_URL.replace(/\/\/[^@]*@/, '//***@')}: ${unreachable}`);
    await orm.close(true);
    process.exit(1);
  }
  const problem = await checkSchemaReady(orm);
  if (problem) {
    logger.fatal(problem);
    await orm.close(true);
    process.exit(1);
  }
  const system = await createSystem({ config, logger, orm });
  if (config.ROLE !== 'worker') {
    const port = await system.listen();
    logger.info({ port, role: config.ROLE }, `contact center listening on http://localhost:${port}`);
  } else {
    logger.info({ role: config.ROLE }, 'contact center worker started');
  }
  const stop = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await system.close();
    await orm.close(true);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

await main();
