import type { MikroORM } from '@mikro-orm/mariadb';

/** Null when the schema is migrated; otherwise one line telling the operator what to run. */
export async function checkSchemaReady(orm: MikroORM): Promise<string | null> {
  const pending = await orm.migrator.getPending().catch(() => null);
  if (pending === null) return 'Cannot read the migrations table. Run `npm run db:migrate` to create the schema.';
  if (pending.length > 0) {
    return `The database schema is not up to date (${pending.length} pending migration(s)). Run \`npm run db:migrate\` first.`;
  }
  return null;
}
