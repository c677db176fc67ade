import { seedDemo } from '../db/seed.ts';
import { SecretBox } from '../security/secret-box.ts';
import { withReadyOrm } from './ready-orm.ts';

/** `npm run db:seed`: the demo tenants and data. Safe to run again. */
await withReadyOrm(async (orm, config, logger) => {
  const res = await seedDemo(orm, new SecretBox(config.SECRETS_KEYS), { sipWsUrl: process.env.DEMO_SIP_WS_URL, sipDomain: process.env.DEMO_SIP_DOMAIN });
  logger.info(res, 'demo data is in place (development only: every demo user has the password "demo-password")');
});
