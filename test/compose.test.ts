/**
 * Static checks of the container deployment: docker-compose.yml, deploy/nginx.conf,
 * Dockerfile and .dockerignore. There is no Docker engine where the tests run, so
 * these files are parsed and their meaning checked as Compose, nginx and Docker
 * would read them (Compose interpolation with defaults, YAML merge keys, nginx
 * proxy_set_header inheritance, Dockerfile stages).
 *
 * Every check is a function that returns the problems it finds. The first block
 * asserts that the real files have none; the second feeds each check a copy of
 * the files with one thing broken and asserts that the check notices, so no
 * assertion here can pass vacuously.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

interface Texts {
  compose: string;
  nginx: string;
  dockerfile: string;
  dockerignore: string;
}

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

const realTexts: Texts = {
  compose: read('docker-compose.yml'),
  nginx: read('deploy/nginx.conf'),
  dockerfile: read('Dockerfile'),
  dockerignore: read('.dockerignore'),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

interface Substitution {
  raw: string;
  name: string;
  /** ':-' or '-' (default), ':?' '?' (error), ':+' '+' (alternative), '' (none) */
  op: string;
  arg: string;
}

interface Model {
  texts: Texts;
  /** docker-compose.yml as YAML, merge keys applied, before interpolation. */
  raw: Json;
  /** ...and after Compose interpolation, with every variable unset (defaults apply). */
  compose: Json;
  substitutions: Substitution[];
}

/** `$$` (a literal dollar), `${...}` or `$NAME`, as Compose interpolates them. */
const SUBSTITUTION = /\$(\$|\{([^}]*)\}|[A-Za-z_][A-Za-z0-9_]*)/g;

function parseSubstitution(raw: string, inner: string | undefined, bare: string): Substitution {
  if (inner === undefined) return { raw, name: bare, op: '', arg: '' };
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?|:\+|\+)([\s\S]*))?$/.exec(inner);
  if (!m) return { raw, name: inner, op: 'invalid', arg: '' };
  return { raw, name: m[1], op: m[2] ?? '', arg: m[3] ?? '' };
}

/** Compose's interpolation of one string value as if no variable were set. */
function interpolate(value: string, found: Substitution[]): string {
  return value.replace(SUBSTITUTION, (raw, body: string, inner: string | undefined) => {
    if (body === '$') return '$';
    const sub = parseSubstitution(raw, inner, body);
    found.push(sub);
    if (sub.op === ':-' || sub.op === '-') return sub.arg;
    return '';
  });
}

function mapStrings(node: Json, fn: (s: string) => string): Json {
  if (typeof node === 'string') return fn(node);
  if (Array.isArray(node)) return node.map((n) => mapStrings(n, fn));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, mapStrings(v, fn)]));
  }
  return node;
}

function load(texts: Texts): Model {
  // Compose reads YAML with merge keys (`<<: *anchor`).
  const raw = parse(texts.compose, { merge: true });
  const substitutions: Substitution[] = [];
  const compose = mapStrings(raw, (s) => interpolate(s, substitutions));
  return { texts, raw, compose, substitutions };
}

// ---------------------------------------------------------------------------
// Compose helpers
// ---------------------------------------------------------------------------

const services = (m: Model): Record<string, Json> => m.compose?.services ?? {};

function envOf(svc: Json): Record<string, string> {
  const env = svc?.environment;
  if (!env) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((e: string) => {
        const i = e.indexOf('=');
        return i < 0 ? [e, ''] : [e.slice(0, i), e.slice(i + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]));
}

/** depends_on as { service: condition }; the list form means service_started. */
function dependsOn(svc: Json): Record<string, string> {
  const d = svc?.depends_on;
  if (!d) return {};
  if (Array.isArray(d)) return Object.fromEntries(d.map((n: string) => [n, 'service_started']));
  return Object.fromEntries(Object.entries(d).map(([k, v]) => [k, (v as Json)?.condition ?? 'service_started']));
}

const words = (x: Json): string => (Array.isArray(x) ? x.map(String).join(' ') : x == null ? '' : String(x));

/** The command a healthcheck runs, or null when there is none or it is disabled. */
function healthTest(svc: Json): string | null {
  const hc = svc?.healthcheck;
  if (!hc || hc.disable === true || hc.test == null) return null;
  const t = Array.isArray(hc.test) ? hc.test.map(String) : [String(hc.test)];
  if (t[0] === 'NONE') return null;
  return (t[0] === 'CMD' || t[0] === 'CMD-SHELL' ? t.slice(1) : t).join(' ');
}

interface PortMapping {
  host: string | null;
  published: number | null;
  target: number;
}

function portsOf(svc: Json): PortMapping[] {
  return (svc?.ports ?? []).map((p: Json): PortMapping => {
    if (typeof p === 'object') {
      return { host: p.host_ip ?? null, published: p.published == null ? null : Number(p.published), target: Number(p.target) };
    }
    const parts = String(p).replace(/\/(tcp|udp)$/, '').split(':');
    const target = Number(parts.pop());
    const published = parts.length ? Number(parts.pop()) : null;
    return { host: parts.length ? parts.join(':') : null, published, target };
  });
}

function volumesOf(svc: Json): { source: string; target: string; named: boolean }[] {
  return (svc?.volumes ?? []).map((v: Json) => {
    if (typeof v === 'object') return { source: String(v.source ?? ''), target: String(v.target), named: v.type === 'volume' };
    const [source, target] = String(v).split(':');
    return { source, target: target ?? source, named: !/^[./~]/.test(source) };
  });
}

// ---------------------------------------------------------------------------
// Compose checks
// ---------------------------------------------------------------------------

const REQUIRED_SERVICES = ['mysql', 'redis', 'migrate', 'web', 'worker', 'lb'];

function checkTopLevel(m: Model): string[] {
  const p: string[] = [];
  if (!m.compose || typeof m.compose !== 'object') return ['docker-compose.yml is not a YAML mapping'];
  if ('version' in m.compose) p.push('the Compose spec has no top-level `version:` key');
  for (const s of REQUIRED_SERVICES) if (!services(m)[s]) p.push(`service ${s} is missing`);
  if (!/^x-app-env:\s*&[\w-]+/m.test(m.texts.compose)) p.push('shared app environment is not an `x-app-env: &anchor`');
  const declared = Object.keys(m.compose.volumes ?? {});
  for (const [name, svc] of Object.entries(services(m))) {
    for (const v of volumesOf(svc)) {
      if (v.named && !declared.includes(v.source)) p.push(`${name} uses volume ${v.source}, not declared under top-level volumes`);
    }
  }
  return p;
}

function checkMysql(m: Model): string[] {
  const p: string[] = [];
  const db = services(m).mysql;
  if (!db) return ['no mysql service'];
  const image = String(db.image ?? '');
  const isMariadb = /^mariadb:11(\.|$)/.test(image);
  if (!/^mysql:8\.4(\.|$)/.test(image) && !isMariadb) p.push(`mysql image is ${image}, expected mysql:8.4 (or mariadb:11)`);
  const test = healthTest(db) ?? '';
  if (!(isMariadb ? /healthcheck\.sh|mariadb-admin ping/ : /mysqladmin\b.*\bping\b/).test(test)) {
    p.push(`mysql healthcheck does not ping the server: "${test}"`);
  }
  const cmd = words(db.command);
  for (const want of ['--character-set-server=utf8mb4', '--collation-server=utf8mb4_unicode_ci', '--default-time-zone=+00:00']) {
    if (!cmd.includes(want)) p.push(`mysql command lacks ${want}`);
  }
  const env = envOf(db);
  if ((env.MYSQL_DATABASE ?? env.MARIADB_DATABASE) !== 'contact_center') p.push('mysql does not create the contact_center database');
  if (!volumesOf(db).some((v) => v.named && v.target === '/var/lib/mysql')) p.push('mysql data is not on a named volume');
  return p;
}

function checkRedis(m: Model): string[] {
  const p: string[] = [];
  const r = services(m).redis;
  if (!r) return ['no redis service'];
  if (!/^redis:7(\.|-|$)/.test(String(r.image ?? ''))) p.push(`redis image is ${r.image}, expected redis 7`);
  const cmd = words(r.command).replace(/\s+/g, ' ');
  if (!/--appendonly yes\b/.test(cmd)) p.push('redis runs without --appendonly yes');
  if (!/--maxmemory-policy noeviction\b/.test(cmd)) p.push('redis runs without --maxmemory-policy noeviction');
  if (!/redis-cli\b.*\bping\b/.test(healthTest(r) ?? '')) p.push('redis healthcheck is not redis-cli ping');
  if (!volumesOf(r).some((v) => v.named && v.target === '/data')) p.push('redis data is not on a named volume');
  return p;
}

const SECRETS_KEYS = /^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44}(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})*$/;

/** The environment the app services get, against the config schema and the other services. */
function checkAppEnv(m: Model): string[] {
  const p: string[] = [];
  const all = services(m);
  const dbEnv = envOf(all.mysql);
  for (const name of ['migrate', 'web', 'worker']) {
    const env = envOf(all[name]);
    let db: URL | null = null;
    try {
      db = new URL(env.DATABASE_URL ?? '');
    } catch {
      p.push(`${name}: DATABASE_URL is not a URL: ${env.DATABASE_URL}`);
    }
    if (db) {
      if (db.protocol !== 'mysql:') p.push(`${name}: DATABASE_URL is not mysql://`);
      if (db.hostname !== 'mysql' || !all[db.hostname]) p.push(`${name}: DATABASE_URL host ${db.hostname} is not the mysql service`);
      if (db.port !== '' && db.port !== '3306') p.push(`${name}: DATABASE_URL port ${db.port} is not 3306`);
      const dbName = dbEnv.MYSQL_DATABASE ?? dbEnv.MARIADB_DATABASE;
      if (db.pathname !== `/${dbName}`) p.push(`${name}: DATABASE_URL database ${db.pathname} is not ${dbName}`);
      const user = decodeURIComponent(db.username);
      const password = decodeURIComponent(db.password);
      const expected =
        user === 'root'
          ? (dbEnv.MYSQL_ROOT_PASSWORD ?? dbEnv.MARIADB_ROOT_PASSWORD)
          : user === (dbEnv.MYSQL_USER ?? dbEnv.MARIADB_USER)
            ? (dbEnv.MYSQL_PASSWORD ?? dbEnv.MARIADB_PASSWORD)
            : undefined;
      if (expected === undefined) p.push(`${name}: DATABASE_URL user ${user} is not a user the mysql service creates`);
      else if (password !== expected) p.push(`${name}: DATABASE_URL password does not match the mysql service's`);
    }
    let redis: URL | null = null;
    try {
      redis = new URL(env.REDIS_URL ?? '');
    } catch {
      p.push(`${name}: REDIS_URL is not a URL: ${env.REDIS_URL}`);
    }
    if (redis && (redis.protocol !== 'redis:' || redis.hostname !== 'redis' || !all.redis)) {
      p.push(`${name}: REDIS_URL ${env.REDIS_URL} is not the redis service`);
    }
    if ((env.JWT_SECRET ?? '').length < 32) p.push(`${name}: JWT_SECRET is shorter than 32 characters`);
    const keys = env.SECRETS_KEYS ?? '';
    if (!SECRETS_KEYS.test(keys) || keys.split(',').some((k) => Buffer.from(k.split(':')[1] ?? '', 'base64').length !== 32)) {
      p.push(`${name}: SECRETS_KEYS is not keyId:base64-of-32-bytes`);
    }
    if (!/^[0-9]+$/.test(env.PORT ?? '3000')) p.push(`${name}: PORT is not a number`);
    for (const k of ['PUBLIC_URL', 'WHATSAPP_APP_SECRET', 'WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_GRAPH_URL', 'NODE_ENV', 'LOG_LEVEL']) {
      if (!env[k]) p.push(`${name}: ${k} is not set`);
    }
  }
  if (envOf(all.web).TRUST_PROXY !== 'true') p.push('web runs behind lb but TRUST_PROXY is not "true"');
  return p;
}

const sameImage = (a: Json, b: Json): boolean => JSON.stringify([a?.image, a?.build]) === JSON.stringify([b?.image, b?.build]);

function checkWeb(m: Model): string[] {
  const p: string[] = [];
  const web = services(m).web;
  if (!web) return ['no web service'];
  if (web.deploy?.replicas !== 2) p.push(`web has ${web.deploy?.replicas ?? 1} replica(s), expected 2`);
  if (portsOf(web).some((x) => x.published !== null)) p.push('web publishes a fixed host port, which two replicas cannot share');
  if (web.container_name) p.push('web has a container_name, which two replicas cannot share');
  const env = envOf(web);
  if (env.ROLE !== 'web') p.push(`web has ROLE=${env.ROLE}`);
  const test = healthTest(web) ?? '';
  if (!new RegExp(`:${env.PORT ?? '3000'}/health\\b`).test(test)) p.push(`web healthcheck does not ask /health on its PORT: "${test}"`);
  if (/\bcurl\b/.test(test)) p.push('web healthcheck uses curl, which node:*-slim does not have');
  if (dependsOn(web).migrate !== 'service_completed_successfully') p.push('web does not wait for migrate to complete');
  if (!web.build && !web.image) p.push('web has neither build nor image');
  return p;
}

function checkWorker(m: Model): string[] {
  const p: string[] = [];
  const w = services(m).worker;
  if (!w) return ['no worker service'];
  if (envOf(w).ROLE !== 'worker') p.push(`worker has ROLE=${envOf(w).ROLE}`);
  if (dependsOn(w).migrate !== 'service_completed_successfully') p.push('worker does not wait for migrate to complete');
  if (!sameImage(w, services(m).web)) p.push('worker does not run the same image as web');
  return p;
}

function checkMigrate(m: Model): string[] {
  const p: string[] = [];
  const mg = services(m).migrate;
  if (!mg) return ['no migrate service'];
  const cmd = words(mg.command);
  if (!/npm run db:migrate\s*&&\s*npm run db:seed/.test(cmd)) p.push(`migrate does not run db:migrate && db:seed: "${cmd}"`);
  if (mg.restart !== 'no') p.push(`migrate is one-shot but restart is ${JSON.stringify(mg.restart)}`);
  const d = dependsOn(mg);
  if (d.mysql !== 'service_healthy') p.push('migrate does not wait for mysql to be healthy');
  if (d.redis !== 'service_healthy') p.push('migrate does not wait for redis to be healthy');
  if (!sameImage(mg, services(m).web)) p.push('migrate does not run the same image as web');
  return p;
}

function checkLb(m: Model): string[] {
  const p: string[] = [];
  const lb = services(m).lb;
  if (!lb) return ['no lb service'];
  if (!/^nginx:/.test(String(lb.image ?? ''))) p.push(`lb image is ${lb.image}, expected nginx`);
  const port = portsOf(lb).find((x) => x.published === 3000);
  if (!port) p.push('lb does not publish host port 3000');
  const listen = /\blisten\s+(?:[\d.]+:)?(\d+)/.exec(stripNginxComments(m.texts.nginx));
  if (port && (!listen || Number(listen[1]) !== port.target)) {
    p.push(`lb maps 3000 to container port ${port.target}, but nginx listens on ${listen?.[1]}`);
  }
  const conf = volumesOf(lb).find((v) => /^\.\/deploy\/nginx\.conf$/.test(v.source));
  if (!conf) p.push('lb does not mount ./deploy/nginx.conf');
  else if (!/^\/etc\/nginx\/(nginx\.conf|conf\.d\/[\w.-]+\.conf)$/.test(conf.target)) p.push(`nginx.conf mounted at ${conf.target}`);
  if (dependsOn(lb).web !== 'service_healthy') p.push('lb does not wait for web to be healthy');
  return p;
}

const CONDITIONS = ['service_started', 'service_healthy', 'service_completed_successfully'];

function checkDependsOn(m: Model): string[] {
  const p: string[] = [];
  const all = services(m);
  for (const [name, svc] of Object.entries(all)) {
    for (const [target, condition] of Object.entries(dependsOn(svc))) {
      if (!all[target]) p.push(`${name} depends on ${target}, which is not a service`);
      if (!CONDITIONS.includes(condition)) p.push(`${name} -> ${target}: unknown condition ${condition}`);
      if (condition === 'service_healthy' && all[target] && healthTest(all[target]) === null) {
        p.push(`${name} waits for ${target} to be healthy, but ${target} has no healthcheck`);
      }
    }
  }
  return p;
}

function checkSubstitutions(m: Model): string[] {
  const p: string[] = [];
  if (m.substitutions.length === 0) p.push('no ${VAR:-default} substitution at all (secrets should be overridable)');
  for (const s of m.substitutions) {
    if (s.op !== ':-' && s.op !== '-') p.push(`${s.raw} has no default`);
    else if (s.arg.includes('$')) p.push(`${s.raw}: nested substitution in a default`);
  }
  return p;
}

// ---------------------------------------------------------------------------
// nginx
// ---------------------------------------------------------------------------

function stripNginxComments(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/(^|\s)#.*$/, ''))
    .join('\n');
}

/** The body of the first block whose header matches, braces balanced. */
function block(text: string, header: RegExp): string | null {
  const m = new RegExp(`${header.source}\\s*\\{`).exec(text);
  if (!m) return null;
  let depth = 0;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    if (text[i] === '{') depth++;
    else if (text[i] === '}' && --depth === 0) return text.slice(m.index + m[0].length, i);
  }
  return null;
}

/** A block's own directives, nested blocks removed. */
function ownDirectives(body: string): string {
  let out = '';
  let depth = 0;
  for (const ch of body) {
    if (ch === '{') depth++;
    else if (ch === '}') depth--;
    else if (depth === 0) out += ch;
  }
  return out;
}

function directive(scope: string, name: string): string[] {
  return [...scope.matchAll(new RegExp(`(?:^|[;{}\\s])${name}\\s+([^;]*);`, 'g'))].map((x) => x[1].trim().replace(/\s+/g, ' '));
}

function sizeBytes(v: string | undefined): number {
  const m = /^(\d+)([kKmM]?)$/.exec(v ?? '');
  if (!m) return NaN;
  return Number(m[1]) * ({ k: 1024, m: 1024 * 1024 } as Record<string, number>)[m[2].toLowerCase()] || Number(m[1]);
}

function seconds(v: string | undefined): number {
  const m = /^(\d+)(ms|s|m|h)?$/.exec(v ?? '');
  if (!m) return NaN;
  return Number(m[1]) * { ms: 0.001, s: 1, m: 60, h: 3600 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
}

function checkNginx(m: Model): string[] {
  const p: string[] = [];
  const text = stripNginxComments(m.texts.nginx);
  const http = block(text, /(?:^|\s)http/) ?? '';
  const server = block(http, /(?:^|\s)server/);
  if (!server) return ['nginx.conf has no http { server { ... } }'];
  const sio = block(server, /location\s+(?:\^~\s+)?\/socket\.io\//);
  const root = block(server, /location\s+\//);
  if (!sio) return ['nginx.conf has no `location /socket.io/`'];
  const levels = [ownDirectives(sio), ownDirectives(server), ownDirectives(http)];
  const effective = (name: string): string | undefined => levels.map((l) => directive(l, name)).find((v) => v.length)?.[0];
  /** proxy_set_header is inherited only by a level that sets none of its own. */
  const headers = (loc: string): string[] => [ownDirectives(loc), ownDirectives(server), ownDirectives(http)].map((l) => directive(l, 'proxy_set_header')).find((v) => v.length) ?? [];

  const pass = /^http:\/\/([\w.-]+)/.exec(directive(ownDirectives(sio), 'proxy_pass')[0] ?? '');
  if (!pass) return ['/socket.io/ has no proxy_pass http://...'];
  const upstream = block(http, new RegExp(`upstream\\s+${pass[1].replace(/\./g, '\\.')}`));
  if (!upstream) p.push(`/socket.io/ proxies to ${pass[1]}, which is no upstream block (so no sticky sessions)`);
  else {
    if (!/(?:^|[;\s])ip_hash\s*;/.test(upstream)) p.push('the upstream has no ip_hash (Socket.IO long-polling needs sticky sessions)');
    const srv = directive(upstream, 'server')[0] ?? '';
    const [host, port] = srv.split(/\s+/)[0].split(':');
    if (!services(m)[host]) p.push(`the upstream server ${host} is not a compose service`);
    if (host === 'web' && port !== (envOf(services(m).web).PORT ?? '3000')) p.push(`the upstream port ${port} is not web's PORT`);
    if (!/\bresolve\b/.test(srv)) p.push('the upstream server does not re-resolve (replicas that change address are lost)');
  }
  if (!directive(text, 'resolver').some((r) => r.split(' ').includes('127.0.0.11'))) p.push("nginx does not use Docker's DNS (127.0.0.11)");

  const sioHeaders = headers(sio);
  if (!sioHeaders.includes('Upgrade $http_upgrade')) p.push('/socket.io/ does not pass the Upgrade header');
  if (!sioHeaders.some((h) => /^Connection (\$connection_upgrade|"?upgrade"?)$/i.test(h))) p.push('/socket.io/ does not pass Connection: upgrade');
  if (sioHeaders.some((h) => h.startsWith('Connection $connection_upgrade')) && !/map\s+\$http_upgrade\s+\$connection_upgrade\s*\{/.test(http)) {
    p.push('$connection_upgrade is used but not defined by a map');
  }
  if (effective('proxy_http_version') !== '1.1') p.push('/socket.io/ is not proxied with HTTP/1.1 (WebSocket needs it)');
  if (!(seconds(effective('proxy_read_timeout')) >= 300)) p.push(`/socket.io/ proxy_read_timeout ${effective('proxy_read_timeout')} is too short for sockets`);
  for (const [where, loc] of [['/socket.io/', sio], ['/', root]] as const) {
    if (loc === null) continue;
    const h = headers(loc).map((x) => x.split(' ')[0].toLowerCase());
    for (const want of ['x-forwarded-for', 'x-forwarded-proto']) if (!h.includes(want)) p.push(`${where} does not set ${want}`);
  }
  const body = sizeBytes(directive(ownDirectives(server), 'client_max_body_size')[0] ?? directive(ownDirectives(http), 'client_max_body_size')[0]);
  if (!(body > 256 * 1024 && body <= 2 * 1024 * 1024)) p.push('client_max_body_size is not a little over the app limit of 256kb');
  return p;
}

// ---------------------------------------------------------------------------
// Dockerfile and .dockerignore
// ---------------------------------------------------------------------------

interface Instruction {
  op: string;
  args: string;
}

/** Instructions in order: comment lines dropped, `\` continuations joined. */
function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current = '';
  for (const line of text.split('\n')) {
    if (/^\s*#/.test(line)) continue;
    const cont = /\\\s*$/.test(line);
    current += (current ? ' ' : '') + line.replace(/\\\s*$/, '').trim();
    if (cont) continue;
    const m = /^(\w+)\s*([\s\S]*)$/.exec(current.trim());
    if (m) out.push({ op: m[1].toUpperCase(), args: m[2].trim() });
    current = '';
  }
  return out;
}

function stages(text: string): { from: string; body: Instruction[] }[] {
  const all = instructions(text);
  const args: Record<string, string> = {};
  const out: { from: string; body: Instruction[] }[] = [];
  for (const ins of all) {
    if (ins.op === 'ARG' && out.length === 0) {
      const [k, v] = ins.args.split('=');
      args[k] = v ?? '';
    } else if (ins.op === 'FROM') {
      const image = ins.args.replace(/--platform=\S+\s+/, '').split(/\s+/)[0].replace(/\$\{?(\w+)\}?/g, (_, k: string) => args[k] ?? '');
      out.push({ from: image, body: [] });
    } else if (out.length) out.at(-1)!.body.push(ins);
  }
  return out;
}

function execOrShell(args: string): string[] {
  if (args.startsWith('[')) {
    try {
      return JSON.parse(args) as string[];
    } catch {
      return [args];
    }
  }
  return args.split(/\s+/);
}

function checkDockerfile(m: Model): string[] {
  const p: string[] = [];
  const st = stages(m.texts.dockerfile);
  if (st.length < 2) return [`the Dockerfile has ${st.length} stage(s), expected a multi-stage build`];
  const runs = st.flatMap((s) => s.body.filter((i) => i.op === 'RUN').map((i) => i.args));
  if (!runs.some((r) => /\bnpm ci\b/.test(r))) p.push('no stage installs with npm ci');
  if (!runs.some((r) => /\bnpm run build\b/.test(r))) p.push('no stage runs npm run build');
  const final = st.at(-1)!;
  if (!/^node:24([.-]|$)/.test(final.from)) p.push(`the final stage is FROM ${final.from}, expected node:24`);
  const of = (op: string) => final.body.filter((i) => i.op === op);
  if (!of('EXPOSE').some((i) => i.args.split(/\s+/).some((x) => /^3000(\/tcp)?$/.test(x)))) p.push('the final stage does not EXPOSE 3000');
  const hc = of('HEALTHCHECK').at(-1)?.args ?? '';
  if (!hc || /^NONE$/i.test(hc)) p.push('the final stage has no HEALTHCHECK');
  else {
    if (!/\bCMD\b[\s\S]*\bnode\b/.test(hc)) p.push('the HEALTHCHECK does not use node');
    if (!/\/health\b/.test(hc)) p.push('the HEALTHCHECK does not ask /health');
    if (/\b(curl|wget)\b/.test(hc)) p.push('the HEALTHCHECK needs curl/wget, which slim images lack');
  }
  const user = of('USER').at(-1)?.args.split(':')[0];
  if (!user) p.push('the final stage runs as root (no USER)');
  else if (user === 'root' || user === '0') p.push(`the final stage runs as ${user}`);
  const cmd = of('CMD').at(-1);
  if (!cmd || execOrShell(cmd.args).join(' ') !== 'npm start') p.push(`the final CMD is not npm start: ${cmd?.args}`);
  if (final.body.some((i) => i.op === 'ENTRYPOINT')) p.push('the final stage overrides ENTRYPOINT, so CMD no longer runs as given');
  const copied = of('COPY').flatMap((i) => {
    const parts = execOrShell(i.args).filter((x) => !x.startsWith('--'));
    return parts.slice(0, -1).map((s) => s.replace(/\/+$/, '').split('/').at(-1)!);
  });
  for (const want of ['package.json', 'node_modules', 'dist', 'server', 'shared', 'migrations']) {
    if (!copied.includes(want)) p.push(`the final stage does not copy ${want}`);
  }
  return p;
}

function checkDockerignore(m: Model): string[] {
  const p: string[] = [];
  const lines = m.texts.dockerignore
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.replace(/^\/+|\/+$/g, ''));
  const has = (name: string) => lines.some((l) => l === name || l === `**/${name}`);
  for (const want of ['node_modules', 'dist', '.git']) if (!has(want)) p.push(`.dockerignore does not exclude ${want}`);
  for (const need of ['server', 'shared', 'client', 'migrations', 'package.json', 'package-lock.json', 'vite.config.ts', 'tsconfig.json', 'tsconfig.build.json']) {
    if (lines.some((l) => l === need || l === '*' || l === `${need}/**`)) p.push(`.dockerignore excludes ${need}, which the build needs`);
  }
  return p;
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

const checks = {
  topLevel: checkTopLevel,
  mysql: checkMysql,
  redis: checkRedis,
  appEnv: checkAppEnv,
  web: checkWeb,
  worker: checkWorker,
  migrate: checkMigrate,
  lb: checkLb,
  dependsOn: checkDependsOn,
  substitutions: checkSubstitutions,
  nginx: checkNginx,
  dockerfile: checkDockerfile,
  dockerignore: checkDockerignore,
} satisfies Record<string, (m: Model) => string[]>;

type CheckName = keyof typeof checks;

describe('deployment files', () => {
  const model = load(realTexts);

  it('docker-compose.yml defines the six services, without a version key, with the x-app-env anchor', () => {
    expect(checkTopLevel(model)).toEqual([]);
    expect(Object.keys(services(model))).toEqual(expect.arrayContaining(REQUIRED_SERVICES));
  });
  it('the database is MariaDB 11 (or MySQL 8.4), utf8mb4_unicode_ci and UTC, on a named volume, with a readiness healthcheck', () => {
    expect(checkMysql(model)).toEqual([]);
  });
  it('redis is 7 with appendonly yes and noeviction, on a named volume, with a redis-cli ping healthcheck', () => {
    expect(checkRedis(model)).toEqual([]);
  });
  it('the app services point DATABASE_URL at mysql and REDIS_URL at redis, with valid secrets', () => {
    expect(checkAppEnv(model)).toEqual([]);
    const web = envOf(services(model).web);
    expect(new URL(web.DATABASE_URL).hostname).toBe('mysql');
    expect(new URL(web.REDIS_URL).hostname).toBe('redis');
  });
  it('web runs 2 replicas with ROLE=web, a /health healthcheck, and waits for migrate to complete', () => {
    expect(checkWeb(model)).toEqual([]);
    expect(services(model).web.deploy.replicas).toBe(2);
  });
  it('worker runs ROLE=worker after migrate completes', () => {
    expect(checkWorker(model)).toEqual([]);
  });
  it('migrate runs db:migrate then db:seed once, after mysql and redis are healthy', () => {
    expect(checkMigrate(model)).toEqual([]);
  });
  it('lb publishes 3000, mounts deploy/nginx.conf and waits for a healthy web', () => {
    expect(checkLb(model)).toEqual([]);
  });
  it('every depends_on target is a defined service (with a healthcheck when waited on)', () => {
    expect(checkDependsOn(model)).toEqual([]);
  });
  it('every ${VAR} substitution has a default', () => {
    expect(checkSubstitutions(model)).toEqual([]);
    expect(model.substitutions.map((s) => s.name)).toEqual(expect.arrayContaining(['JWT_SECRET', 'SECRETS_KEYS']));
  });
  it('deploy/nginx.conf is sticky (ip_hash), upgrades /socket.io/ to WebSocket and forwards the client address', () => {
    expect(checkNginx(model)).toEqual([]);
  });
  it("the Dockerfile's final stage exposes 3000, checks /health with node, runs as non-root and starts with npm start", () => {
    expect(checkDockerfile(model)).toEqual([]);
  });
  it('.dockerignore keeps node_modules and dist out of the context but not the sources', () => {
    expect(checkDockerignore(model)).toEqual([]);
  });
});

interface Mutation {
  what: string;
  file: keyof Texts;
  from: string;
  to: string;
  check: CheckName;
}

const nginxSio = 'proxy_buffering off;';

/** One broken thing each; every check above must notice it. */
const mutations: Mutation[] = [
  { what: 'a version key', file: 'compose', from: 'name: contact-center\n', to: 'version: "3.9"\nname: contact-center\n', check: 'topLevel' },
  { what: 'no lb service', file: 'compose', from: '  lb:\n', to: '  balancer:\n', check: 'topLevel' },
  { what: 'mariadb 10', file: 'compose', from: 'image: mariadb:11.4', to: 'image: mariadb:10.6', check: 'mysql' },
  { what: 'no mysql healthcheck', file: 'compose', from: '["CMD", "healthcheck.sh", "--connect", "--innodb_initialized"]', to: '["CMD", "true"]', check: 'mysql' },
  { what: 'general collation', file: 'compose', from: 'utf8mb4_unicode_ci', to: 'utf8mb4_general_ci', check: 'mysql' },
  { what: 'local time zone', file: 'compose', from: '--default-time-zone=+00:00', to: '--default-time-zone=SYSTEM', check: 'mysql' },
  { what: 'mysql on a bind mount', file: 'compose', from: '- mysql-data:/var/lib/mysql', to: '- ./data:/var/lib/mysql', check: 'mysql' },
  { what: 'redis 6', file: 'compose', from: 'image: redis:7-alpine', to: 'image: redis:6-alpine', check: 'redis' },
  { what: 'no appendonly', file: 'compose', from: '"--appendonly", "yes"', to: '"--appendonly", "no"', check: 'redis' },
  { what: 'evicting redis', file: 'compose', from: '"noeviction"]', to: '"allkeys-lru"]', check: 'redis' },
  { what: 'no redis healthcheck', file: 'compose', from: '["CMD", "redis-cli", "ping"]', to: '["CMD", "true"]', check: 'redis' },
  { what: 'DATABASE_URL on localhost', file: 'compose', from: '@mysql:3306', to: '@127.0.0.1:3306', check: 'appEnv' },
  { what: 'mismatched db password', file: 'compose', from: 'MARIADB_PASSWORD: ${MYSQL_PASSWORD:-dev-only-db-password}', to: 'MARIADB_PASSWORD: ${MYSQL_PASSWORD:-other}', check: 'appEnv' },
  { what: 'REDIS_URL on localhost', file: 'compose', from: 'redis://redis:6379', to: 'redis://127.0.0.1:6379', check: 'appEnv' },
  { what: 'short JWT secret', file: 'compose', from: '${JWT_SECRET:-dev-only-jwt-secret-change-me-in-production-0123456789}', to: '${JWT_SECRET:-short}', check: 'appEnv' },
  { what: 'bad SECRETS_KEYS', file: 'compose', from: 'devcompose:Y29tcG9zZS1kZXYtb25seS1rZXktY2hhbmdlLW1lISE=', to: 'devcompose:not-base64', check: 'appEnv' },
  { what: 'one web replica', file: 'compose', from: 'replicas: 2', to: 'replicas: 1', check: 'web' },
  { what: 'web ROLE=all', file: 'compose', from: 'ROLE: web', to: 'ROLE: all', check: 'web' },
  { what: 'web healthcheck not on /health', file: 'compose', from: "127.0.0.1:3000/health'", to: "127.0.0.1:3000/'", check: 'web' },
  { what: 'web starts before migrate completes', file: 'compose', from: 'condition: service_completed_successfully', to: 'condition: service_started', check: 'web' },
  { what: 'web on a fixed host port', file: 'compose', from: '    expose:\n      - "3000"', to: '    ports:\n      - "3000:3000"', check: 'web' },
  { what: 'worker ROLE=web', file: 'compose', from: 'ROLE: worker', to: 'ROLE: web', check: 'worker' },
  { what: 'migrate without seed', file: 'compose', from: 'npm run db:migrate && npm run db:seed', to: 'npm run db:migrate', check: 'migrate' },
  { what: 'migrate restarting', file: 'compose', from: 'restart: "no"', to: 'restart: on-failure', check: 'migrate' },
  { what: 'lb on 8080', file: 'compose', from: '"3000:80"', to: '"8080:80"', check: 'lb' },
  { what: 'lb mapped to a port nginx does not listen on', file: 'compose', from: '"3000:80"', to: '"3000:3000"', check: 'lb' },
  { what: 'lb without the config', file: 'compose', from: './deploy/nginx.conf:', to: './nginx.conf:', check: 'lb' },
  { what: 'depends_on an unknown service', file: 'compose', from: '    depends_on:\n      web:', to: '    depends_on:\n      webapp:', check: 'dependsOn' },
  { what: 'a substitution without default', file: 'compose', from: '${PUBLIC_URL:-http://localhost:3000}', to: '${PUBLIC_URL}', check: 'substitutions' },
  { what: 'a bare $VAR', file: 'compose', from: 'REDIS_URL: redis://redis:6379', to: 'REDIS_URL: redis://$REDIS_HOST:6379', check: 'substitutions' },
  { what: 'no ip_hash', file: 'nginx', from: 'ip_hash;', to: '', check: 'nginx' },
  { what: 'no Upgrade header', file: 'nginx', from: 'proxy_set_header Upgrade           $http_upgrade;', to: '', check: 'nginx' },
  { what: 'no /socket.io/ location', file: 'nginx', from: 'location /socket.io/', to: 'location /ws/', check: 'nginx' },
  { what: 'a header in /socket.io/ that drops the inherited ones', file: 'nginx', from: nginxSio, to: `${nginxSio} proxy_set_header X-Debug 1;`, check: 'nginx' },
  { what: 'HTTP/1.0 upstream', file: 'nginx', from: 'proxy_http_version 1.1;', to: 'proxy_http_version 1.0;', check: 'nginx' },
  { what: 'short socket timeout', file: 'nginx', from: 'proxy_read_timeout 3600s;', to: 'proxy_read_timeout 30s;', check: 'nginx' },
  { what: 'no X-Forwarded-Proto', file: 'nginx', from: 'proxy_set_header X-Forwarded-Proto $scheme;', to: '', check: 'nginx' },
  { what: 'another resolver', file: 'nginx', from: 'resolver 127.0.0.11', to: 'resolver 10.0.0.2', check: 'nginx' },
  { what: 'an upstream host that is no service', file: 'nginx', from: 'server web:3000', to: 'server app:3000', check: 'nginx' },
  { what: 'a body limit under the app one', file: 'nginx', from: 'client_max_body_size 320k;', to: 'client_max_body_size 100k;', check: 'nginx' },
  { what: 'EXPOSE 8080', file: 'dockerfile', from: 'EXPOSE 3000', to: 'EXPOSE 8080', check: 'dockerfile' },
  { what: 'no HEALTHCHECK', file: 'dockerfile', from: 'HEALTHCHECK --interval', to: 'LABEL x=y --interval', check: 'dockerfile' },
  { what: 'HEALTHCHECK not on /health', file: 'dockerfile', from: "/health'", to: "/'", check: 'dockerfile' },
  { what: 'USER root', file: 'dockerfile', from: 'USER 1000:1000', to: 'USER root', check: 'dockerfile' },
  { what: 'no USER', file: 'dockerfile', from: 'USER 1000:1000', to: '', check: 'dockerfile' },
  { what: 'CMD node', file: 'dockerfile', from: 'CMD ["npm", "start"]', to: 'CMD ["node", "dist/server/main.js"]', check: 'dockerfile' },
  { what: 'npm install instead of npm ci', file: 'dockerfile', from: 'npm ci --ignore-scripts', to: 'npm install', check: 'dockerfile' },
  { what: 'migrations not copied', file: 'dockerfile', from: 'COPY --from=build /app/migrations ./migrations', to: '', check: 'dockerfile' },
  { what: 'a single stage', file: 'dockerfile', from: 'FROM ${NODE_IMAGE} AS runtime', to: '', check: 'dockerfile' },
  { what: 'node_modules in the context', file: 'dockerignore', from: 'node_modules\n**/node_modules\n', to: '', check: 'dockerignore' },
  { what: 'server/ left out of the context', file: 'dockerignore', from: 'test\n', to: 'test\nserver\n', check: 'dockerignore' },
];

describe('each check fails on a broken file', () => {
  it.each(mutations)('$check notices $what', ({ file, from, to, check }) => {
    expect(realTexts[file].includes(from), `the mutation's text is not in ${file} any more`).toBe(true);
    const broken = { ...realTexts, [file]: realTexts[file].replace(from, to) };
    expect(checks[check](load(broken))).not.toEqual([]);
  });
});
