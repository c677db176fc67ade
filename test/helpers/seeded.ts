import { startTestSystem, type TestSystem } from './system.ts';
import { seedDemo } from '../../server/db/seed.ts';
import { SecretBox } from '../../server/security/secret-box.ts';
import { Api } from './api.ts';
import type { Config } from '../../server/config.ts';

/** A started system with the demo data, and an API client for it. */
export async function startSeeded(label: string, overrides: Partial<Config> = {}): Promise<{ sys: TestSystem; api: Api }> {
  const sys = await startTestSystem(label, overrides);
  await seedDemo(sys.orm, new SecretBox(sys.config.SECRETS_KEYS));
  return { sys, api: new Api(sys.baseUrl) };
}

/** Runs raw SQL on the system's database (assertions and set-up only). */
export async function sql<T = any>(sys: TestSystem, query: string, params: unknown[] = []): Promise<T[]> {
  return sys.orm.em.getConnection().execute(query, params) as Promise<T[]>;
}
