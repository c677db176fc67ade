import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MikroORM } from '@mikro-orm/mariadb';
import { loadConfig, ConfigError, CONFIG_KEYS } from '../../server/config.ts';
import { ormOptions } from '../../server/db/orm.ts';
import { dbUrl, REDIS_URL } from '../helpers/system.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function configError(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`loadConfig accepted ${JSON.stringify(env)}`);
}

describe('loadConfig', () => {
  it('defaults to the local services of a development machine', () => {
    const c = loadConfig({});
    const db = new URL(c.DATABASE_URL);
    expect(db.protocol).toBe('mysql:');
    expect(`${db.hostname}:${db.port}`).toBe('127.0.0.1:3306');
    const redis = new URL(c.REDIS_URL);
    expect(redis.protocol).toBe('redis:');
    expect(`${redis.hostname}:${redis.port}`).toBe('127.0.0.1:6379');
    expect(c.PORT).toBe(3000);
    expect(c.ROLE).toBe('all');
    expect(c.BODY_LIMIT).toBe('256kb');
    expect(c.JWT_SECRET.length).toBeGreaterThanOrEqual(32);
  });

  it('reads and converts the values it is given', () => {
    const c = loadConfig({ PORT: '8080', ROLE: 'worker', DATABASE_URL: 'mysql://app:pw@db:3306/cc', REDIS_URL: 'rediss://cache:6380', SERVE_CLIENT: 'false', LOGIN_MAX_FAILURES: '5' });
    expect(c).toMatchObject({ PORT: 8080, ROLE: 'worker', DATABASE_URL: 'mysql://app:pw@db:3306/cc', REDIS_URL: 'rediss://cache:6380', SERVE_CLIENT: false, LOGIN_MAX_FAILURES: 5 });
    expect(loadConfig({ PORT: '0' }).PORT).toBe(0);
  });

  const BAD: [string, string][] = [
    ['PORT', 'abc'],
    ['ROLE', 'x'],
    ['DATABASE_URL', 'postgres://user@127.0.0.1:5432/cc'],
    ['JWT_SECRET', 'too-short'],
    ['SECRETS_KEYS', 'not-a-key-list'],
  ];

  it.each(BAD)('refuses %s=%s with one line naming it', (name, value) => {
    const err = configError({ [name]: value });
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].startsWith(`${name}: `)).toBe(true);
    expect(err.message.split('\n')).toEqual(['Invalid configuration:', `  - ${err.problems[0]}`]);
  });

  it('lists every problem at once, exactly one line per bad variable', () => {
    const err = configError(Object.fromEntries(BAD));
    expect(err.problems).toHaveLength(BAD.length);
    for (const [name] of BAD) expect(err.problems.filter((p) => p.startsWith(`${name}: `)), name).toHaveLength(1);
    const lines = err.message.split('\n');
    expect(lines).toHaveLength(1 + BAD.length);
    for (const line of lines.slice(1)) expect(line).toMatch(/^ {2}- [A-Z_]+: \S/);
  });

  it('refuses other malformed secrets keys', () => {
    for (const v of ['k1:short', 'k1:' + Buffer.alloc(32).toString('base64') + ',', ':' + Buffer.alloc(32).toString('base64')]) {
      expect(configError({ SECRETS_KEYS: v }).problems).toEqual([expect.stringMatching(/^SECRETS_KEYS: /)]);
    }
    // Two keys (rotation) are fine.
    const two = `k2:${randomBytes(32).toString('base64')},k1:${randomBytes(32).toString('base64')}`;
    expect(loadConfig({ SECRETS_KEYS: two }).SECRETS_KEYS).toBe(two);
  });
});

describe('.env.example', () => {
  const text = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
  const documented = new Map([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/gm)].map((m) => [m[1], m[2].trim()]));

  it('documents every variable of the configuration schema, with its default', () => {
    expect(CONFIG_KEYS.length).toBeGreaterThanOrEqual(20);
    expect(CONFIG_KEYS.filter((k) => !documented.has(k))).toEqual([]);
    const defaults = loadConfig({});
    for (const k of CONFIG_KEYS) expect(documented.get(k), k).toBe(String(defaults[k]));
  });

  it('documents nothing the configuration does not read', () => {
    expect([...documented.keys()].filter((k) => !(CONFIG_KEYS as string[]).includes(k))).toEqual([]);
  });

  it('parses as a valid configuration when every line is uncommented', () => {
    expect(() => loadConfig(Object.fromEntries(documented))).not.toThrow();
  });
});

describe('the entry point (server/main.ts)', () => {
  /** Runs the real entry point with only the variables given (plus PATH/HOME), and collects its output. */
  function runMain(env: Record<string, string>, timeoutMs = 20_000): Promise<{ code: number | null; output: string; ms: number }> {
    const base: NodeJS.ProcessEnv = { ...process.env };
    for (const k of CONFIG_KEYS) delete base[k];
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const child = spawn(path.join(root, 'node_modules/.bin/tsx'), ['server/main.ts'], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`server/main.ts did not exit within ${timeoutMs} ms; output:\n${output}`));
      }, timeoutMs);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, output, ms: Date.now() - started });
      });
    });
  }

  const emptyDb = `t_cfgempty_${randomBytes(4).toString('hex')}`;
  let admin: MikroORM;

  beforeAll(async () => {
    // A database that exists and has no tables, created with plain SQL.
    admin = await MikroORM.init({ ...ormOptions(dbUrl('mysql')), allowGlobalContext: false });
    await admin.em.getConnection().execute(`create database \`${emptyDb}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  });
  afterAll(async () => {
    await admin?.em.getConnection().execute(`drop database if exists \`${emptyDb}\``);
    await admin?.close(true);
  });

  it('on an empty database, exits non-zero and tells the operator to run npm run db:migrate', async () => {
    const r = await runMain({ DATABASE_URL: dbUrl(emptyDb), REDIS_URL, PORT: '0', ROLE: 'web', NODE_ENV: 'test' });
    expect(r.code, r.output).not.toBe(0);
    expect(r.code, r.output).not.toBeNull();
    expect(r.output).toContain('npm run db:migrate');
    expect(r.ms).toBeLessThan(20_000);
    expect(r.output).not.toContain('listening');
  });

  it('with PORT=abc, exits non-zero and prints the PORT problem', async () => {
    const r = await runMain({ PORT: 'abc', REDIS_URL, DATABASE_URL: dbUrl(emptyDb) });
    expect(r.code, r.output).toBe(1);
    expect(r.output).toContain('Invalid configuration');
    expect(r.output).toMatch(/^ {2}- PORT: .+$/m);
    // Only the bad variable is reported.
    expect(r.output.match(/^ {2}- /gm)).toHaveLength(1);
  });

  it('with the database unreachable, exits non-zero saying so, without printing the password', async () => {
    const r = await runMain({ DATABASE_URL: 'mysql://root:s3cret-db-pass@127.0.0.1:1/cc', REDIS_URL, PORT: '0', ROLE: 'web' });
    expect(r.code, r.output).not.toBe(0);
    expect(r.output).toContain('Cannot reach the database');
    expect(r.output).not.toContain('s3cret-db-pass');
  });
});

describe('production', () => {
  it('refuses the built-in development secrets, one line each, and accepts real ones', async () => {
    const load = loadConfig;
    const CE = ConfigError;
    let err: unknown;
    try {
      load({ NODE_ENV: 'production' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CE);
    expect((err as InstanceType<typeof CE>).problems).toEqual([
      expect.stringMatching(/^JWT_SECRET: /),
      expect.stringMatching(/^SECRETS_KEYS: /),
    ]);
    const ok = load({ NODE_ENV: 'production', JWT_SECRET: 'p'.repeat(40), SECRETS_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}` });
    expect(ok.NODE_ENV).toBe('production');
  });
});
