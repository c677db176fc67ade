import { MikroORM } from '@mikro-orm/mariadb';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';
import { ormOptions } from '../db/orm.ts';
import { seedDemo } from '../db/seed.ts';
import { SecretBox } from '../security/secret-box.ts';
import { checkSchemaReady } from '../db/readiness.ts';

/** `npm run db:seed`: the demo tenants and data. Safe to run again. */
const config = loadConfig();
const logger = createLogger(config.LOG_LEVEL);
const orm = await MikroORM.init(ormOptions(config.DATABASE_URL));
try {
  const problem = await checkSchemaReady(orm);
  if (problem) {
    logger.fatal(problem);
    process.exitCode = 1;
  } else {
    const res = await seedDemo(orm, new SecretBox(config.SECRETS_KEYS), { sipWsUrl: process.env.DEMO_SIP_WS_URL, sipDomain: process.env.DEMO_SIP_DOMAIN });
    logger.info(res, 'demo data is in place (development only: every demo user has the password "demo-password")');
  }
} finally {
  await orm.close(true);
}
