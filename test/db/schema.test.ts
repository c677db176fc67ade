import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/mariadb';
import { ormOptions } from '../../server/db/orm.ts';
import { dbUrl } from '../helpers/system.ts';
import { Tenant } from '../../server/tenancy/tenant.entity.ts';
import { User } from '../../server/tenancy/user.entity.ts';

/**
 * The real migrations against an empty database: they must build exactly the
 * schema the entities describe, with the charset, index and key rules of DESIGN §2.
 */

const name = `t_schema_${randomBytes(4).toString('hex')}`;
let orm: MikroORM;
const MIGRATIONS_TABLE = 'mikro_orm_migrations';

const q = <T = any>(query: string, params: unknown[] = []) => orm.em.getConnection().execute(query, params) as Promise<T[]>;

/** Table names the entities map to. */
function entityTables(): string[] {
  return [...orm.getMetadata().getAll().values()].filter((m) => !m.embeddable && !m.virtual && !m.abstract).map((m) => m.tableName);
}

beforeAll(async () => {
  orm = await MikroORM.init({ ...ormOptions(dbUrl(name)), allowGlobalContext: false });
  // Creates the database only (no `create: true`, so no schema): the migrations must do the rest.
  await orm.schema.ensureDatabase();
});

afterAll(async () => {
  if (!orm) return;
  await orm.em.getConnection().execute(`drop database if exists \`${name}\``).catch(() => undefined);
  await orm.close(true);
});

describe('migrations on an empty database', () => {
  it('start from nothing, create every entity table plus the migrations table, and are idempotent', async () => {
    expect(await q('show tables')).toHaveLength(0);

    const applied = await orm.migrator.up();
    expect(applied.length).toBeGreaterThan(0);

    const tables = (await q<{ t: string }>("select TABLE_NAME t from information_schema.TABLES where TABLE_SCHEMA = ? and TABLE_TYPE = 'BASE TABLE'", [name])).map((r) => r.t);
    expect(new Set(tables)).toEqual(new Set([...entityTables(), MIGRATIONS_TABLE]));
    expect(tables).toHaveLength(entityTables().length + 1);

    const again = await orm.migrator.up();
    expect(again).toEqual([]);
    expect(await orm.migrator.getPending()).toEqual([]);
  });

  it('leave no difference between the entities and the migrated database', async () => {
    const diff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(diff.trim()).toBe('');
  });
});

describe('the migrated schema', () => {
  it('is utf8mb4 everywhere: every table and every text column', async () => {
    const tables = await q<{ t: string; c: string }>('select TABLE_NAME t, TABLE_COLLATION c from information_schema.TABLES where TABLE_SCHEMA = ?', [name]);
    expect(tables.length).toBeGreaterThan(30);
    expect(tables.filter((t) => !String(t.c).startsWith('utf8mb4_'))).toEqual([]);

    const cols = await q<{ t: string; c: string; cs: string }>('select TABLE_NAME t, COLUMN_NAME c, CHARACTER_SET_NAME cs from information_schema.COLUMNS where TABLE_SCHEMA = ? and CHARACTER_SET_NAME is not null', [name]);
    expect(cols.length).toBeGreaterThan(100);
    expect(cols.filter((c) => c.cs !== 'utf8mb4').map((c) => `${c.t}.${c.c} is ${c.cs}`)).toEqual([]);
  });

  it('stores every JSON property in a JSON column (MariaDB: LONGTEXT with a json_valid check)', async () => {
    const jsonProps: { table: string; column: string }[] = [];
    for (const meta of orm.getMetadata().getAll().values()) {
      for (const prop of Object.values(meta.properties)) {
        if ((prop.columnTypes ?? []).some((t) => /^json$/i.test(t))) jsonProps.push({ table: meta.tableName, column: prop.fieldNames[0] });
      }
    }
    expect(jsonProps.length).toBeGreaterThan(10);

    const cols = await q<{ t: string; c: string; dt: string }>('select TABLE_NAME t, COLUMN_NAME c, DATA_TYPE dt from information_schema.COLUMNS where TABLE_SCHEMA = ?', [name]);
    const checks = await q<{ t: string; clause: string }>('select TABLE_NAME t, CHECK_CLAUSE clause from information_schema.CHECK_CONSTRAINTS where CONSTRAINT_SCHEMA = ?', [name]);
    const problems: string[] = [];
    for (const { table, column } of jsonProps) {
      const col = cols.find((c) => c.t === table && c.c === column);
      if (!col) {
        problems.push(`${table}.${column} is missing`);
        continue;
      }
      // MySQL reports a native json type; MariaDB aliases JSON to LONGTEXT plus a CHECK (json_valid(col)).
      if (col.dt === 'json') continue;
      if (col.dt !== 'longtext') problems.push(`${table}.${column} is ${col.dt}`);
      else if (!checks.some((ch) => ch.t === table && ch.clause.replace(/\s/g, '') === `json_valid(\`${column}\`)`)) problems.push(`${table}.${column} has no json_valid check`);
    }
    expect(problems).toEqual([]);

    // And the database enforces it.
    await expect(q("insert into tenants (name, settings) values ('x', '{not json')")).rejects.toThrow(/CONSTRAINT|check/i);
  });

  it('has a FULLTEXT index on contacts', async () => {
    const rows = await q<{ i: string; cols: string }>(
      "select INDEX_NAME i, group_concat(COLUMN_NAME order by SEQ_IN_INDEX) cols from information_schema.STATISTICS where TABLE_SCHEMA = ? and TABLE_NAME = 'contacts' and INDEX_TYPE = 'FULLTEXT' group by INDEX_NAME",
      [name],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].cols.split(',')).toEqual(expect.arrayContaining(['first_name', 'last_name', 'phone', 'email']));
  });

  it('leads every index of a tenant-owned table with tenant_id, except the documented ones', async () => {
    /**
     * Indexes that may start with something else, and why. Everything not listed here
     * (and not a primary key or a single-column foreign key index) must start with tenant_id.
     */
    const ALLOWED: Record<string, string> = {
      // Global lookups by a secret's hash, before any tenant is known.
      api_keys_key_hash_unique: 'API key authentication (the key identifies the tenant)',
      invitations_token_hash_unique: 'invitation accept by token (public route)',
      refresh_tokens_token_hash_unique: 'refresh by token (public route)',
      // Emails are unique across tenants because login takes only an email.
      users_email_unique: 'login by email across tenants',
      // Webhook routing finds the tenant by Meta's phone_number_id.
      whatsapp_channels_phone_number_id_unique: 'inbound webhook → tenant',
      // A generated column holding tenant_id when is_default: one default per tenant.
      lead_statuses_one_default_unique: 'default_key = tenant_id for the default row',
      // FULLTEXT cannot include the integer tenant_id; queries add tenant_id = ? beside MATCH.
      contacts_fulltext: 'fulltext search',
      // Cleanup of a dead node's presence rows runs across tenants.
      presence_tracking_node_idx: 'node cleanup',
      user_sessions_node_idx: 'node cleanup',
      // Brute-force and security lookups happen before (or without) a tenant.
      auth_events_email_type_created_idx: 'auth event lookup by email',
      auth_events_ip_created_idx: 'auth event lookup by IP',
      auth_events_suspicious_created_idx: 'security review',
      rate_limit_email_created_idx: 'rate limit lookup by email',
      rate_limit_ip_created_idx: 'rate limit lookup by IP',
      rate_limit_blocked_expires_idx: 'expiry of blocks',
    };
    const indexes = await q<{ t: string; i: string; cols: string; ty: string }>(
      `select s.TABLE_NAME t, s.INDEX_NAME i, group_concat(s.COLUMN_NAME order by s.SEQ_IN_INDEX) cols, max(s.INDEX_TYPE) ty
         from information_schema.STATISTICS s
        where s.TABLE_SCHEMA = ?
          and exists (select 1 from information_schema.COLUMNS c where c.TABLE_SCHEMA = s.TABLE_SCHEMA and c.TABLE_NAME = s.TABLE_NAME and c.COLUMN_NAME = 'tenant_id')
        group by s.TABLE_NAME, s.INDEX_NAME`,
      [name],
    );
    expect(indexes.length).toBeGreaterThan(50);
    const fkCols = new Set(
      (await q<{ t: string; c: string }>('select TABLE_NAME t, COLUMN_NAME c from information_schema.KEY_COLUMN_USAGE where TABLE_SCHEMA = ? and REFERENCED_TABLE_NAME is not null', [name])).map((r) => `${r.t}.${r.c}`),
    );
    const offenders = indexes
      .filter((ix) => {
        const cols = ix.cols.split(',');
        if (cols[0] === 'tenant_id') return false;
        if (ix.i === 'PRIMARY') return false;
        // MikroORM's index on a single foreign-key column (it backs the FK constraint).
        if (cols.length === 1 && fkCols.has(`${ix.t}.${cols[0]}`) && ix.i === `${ix.t}_${cols[0]}_index`) return false;
        return !(ix.i in ALLOWED);
      })
      .map((ix) => `${ix.t}.${ix.i} (${ix.cols})`);
    if (offenders.length) console.log('indexes not leading with tenant_id:\n' + offenders.join('\n'));
    expect(offenders).toEqual([]);

    // The allow-list names real indexes (a renamed index must update it, not silently pass).
    const names = new Set(indexes.map((ix) => ix.i));
    expect(Object.keys(ALLOWED).filter((n) => !names.has(n))).toEqual([]);
  });

  it('gives every foreign key the exact type of the column it references (bigint unsigned)', async () => {
    const fks = await q<{ t: string; c: string; rt: string; rc: string; ct: string; rct: string }>(
      `select k.TABLE_NAME t, k.COLUMN_NAME c, k.REFERENCED_TABLE_NAME rt, k.REFERENCED_COLUMN_NAME rc, c1.COLUMN_TYPE ct, c2.COLUMN_TYPE rct
         from information_schema.KEY_COLUMN_USAGE k
         join information_schema.COLUMNS c1 on c1.TABLE_SCHEMA = k.TABLE_SCHEMA and c1.TABLE_NAME = k.TABLE_NAME and c1.COLUMN_NAME = k.COLUMN_NAME
         join information_schema.COLUMNS c2 on c2.TABLE_SCHEMA = k.REFERENCED_TABLE_SCHEMA and c2.TABLE_NAME = k.REFERENCED_TABLE_NAME and c2.COLUMN_NAME = k.REFERENCED_COLUMN_NAME
        where k.TABLE_SCHEMA = ? and k.REFERENCED_TABLE_NAME is not null`,
      [name],
    );
    expect(fks.length).toBeGreaterThan(50);
    expect(fks.filter((f) => f.ct !== f.rct).map((f) => `${f.t}.${f.c} ${f.ct} -> ${f.rt}.${f.rc} ${f.rct}`)).toEqual([]);
    expect(fks.filter((f) => !/^bigint(\(20\))? unsigned$/.test(f.ct)).map((f) => `${f.t}.${f.c} is ${f.ct}`)).toEqual([]);
    // Every tenant_id is a foreign key to tenants.
    const tenantCols = (await q<{ t: string }>("select TABLE_NAME t from information_schema.COLUMNS where TABLE_SCHEMA = ? and COLUMN_NAME = 'tenant_id'", [name])).map((r) => r.t);
    const tenantFks = new Set(fks.filter((f) => f.c === 'tenant_id' && f.rt === 'tenants').map((f) => f.t));
    expect(tenantCols.filter((t) => !tenantFks.has(t))).toEqual([]);
  });

  it('uses the on-delete rules the business rules need', async () => {
    const rule = async (table: string, column: string) => {
      const rows = await q<{ r: string; rt: string }>(
        `select rc.DELETE_RULE r, k.REFERENCED_TABLE_NAME rt
           from information_schema.KEY_COLUMN_USAGE k
           join information_schema.REFERENTIAL_CONSTRAINTS rc on rc.CONSTRAINT_SCHEMA = k.CONSTRAINT_SCHEMA and rc.CONSTRAINT_NAME = k.CONSTRAINT_NAME and rc.TABLE_NAME = k.TABLE_NAME
          where k.TABLE_SCHEMA = ? and k.TABLE_NAME = ? and k.COLUMN_NAME = ? and k.REFERENCED_TABLE_NAME is not null`,
        [name, table, column],
      );
      expect(rows, `${table}.${column} has one foreign key`).toHaveLength(1);
      return rows[0];
    };
    // A tenant's deletion takes its users with it.
    expect(await rule('users', 'tenant_id')).toEqual({ r: 'CASCADE', rt: 'tenants' });
    // A status with leads cannot be deleted (DESIGN §2).
    expect(await rule('leads', 'lead_status_id')).toEqual({ r: 'RESTRICT', rt: 'lead_statuses' });
    // A deleted agent leaves their leads unassigned, not deleted.
    expect(await rule('leads', 'assigned_to_user_id')).toEqual({ r: 'SET NULL', rt: 'users' });
  });
});

describe('the ORM against the schema', () => {
  it('writes and reads timestamps in UTC whatever the process time zone', async () => {
    const tz = process.env.TZ;
    // A zone with a half-hour offset: any local-time conversion would show.
    process.env.TZ = 'Asia/Kolkata';
    try {
      expect(new Date('2026-03-29T01:30:45Z').getHours()).toBe(7);
      const when = new Date('2026-03-29T01:30:45.000Z');
      const em = orm.em.fork();
      const tenant = em.create(Tenant, { name: 'UTC check', timezone: 'UTC', defaultCountry: 'US', status: 'active' } as never);
      await em.flush();
      em.setFilterParams('tenant', { tenantId: tenant.id });
      const user = em.create(User, { tenant: tenant.id, name: 'Tz', email: `tz-${name}@example.test`, password: 'x', role: 'read_only', isActive: true, lastLoginAt: when } as never);
      await em.flush();

      const [raw] = await q<{ s: string }>('select cast(last_login_at as char) s from users where id = ?', [user.id]);
      expect(raw.s).toBe('2026-03-29 01:30:45');

      const back = await orm.em.fork().findOneOrFail(User, { id: user.id }, { filters: { tenant: { tenantId: tenant.id } } });
      expect(back.lastLoginAt?.toISOString()).toBe(when.toISOString());

      // A row written by SQL with UTC_TIMESTAMP() reads back as the current instant.
      await q('update users set updated_at = utc_timestamp() where id = ?', [user.id]);
      const fresh = await orm.em.fork().findOneOrFail(User, { id: user.id }, { filters: { tenant: { tenantId: tenant.id } } });
      expect(Math.abs(fresh.updatedAt!.getTime() - Date.now())).toBeLessThan(60_000);
    } finally {
      if (tz === undefined) delete process.env.TZ;
      else process.env.TZ = tz;
    }
  });

  it('refuses to query a tenant-owned entity when no tenant is set (strict tenant filter)', async () => {
    const em = orm.em.fork();
    await expect(em.find(User, {})).rejects.toThrow(/No arguments provided for filter 'tenant'/);
    await expect(em.count(User, {})).rejects.toThrow(/No arguments provided for filter 'tenant'/);
    await expect(em.findOne(User, { email: 'x@example.test' })).rejects.toThrow(/No arguments provided for filter 'tenant'/);
    // Tenants themselves are not tenant-owned.
    await expect(em.count(Tenant, {})).resolves.toBeGreaterThanOrEqual(0);
  });
});
