import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, startTestSystem, type TestSystem } from '../helpers/system.ts';
import { loadConfig } from '../../server/config.ts';
import { createLogger } from '../../server/logger.ts';
import { createSystem, type System } from '../../server/app.ts';

let sys: TestSystem;
let doc: any;

beforeAll(async () => {
  sys = await startTestSystem('openapi');
  const res = await fetch(`${sys.baseUrl}/api/v1/openapi.json`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  doc = await res.json();
});
afterAll(async () => {
  await sys?.stop();
});

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Follows a local `#/...` reference inside the document. */
function deref(node: any, seen = 0): any {
  if (node && typeof node === 'object' && typeof node.$ref === 'string') {
    expect(node.$ref, 'only local references').toMatch(/^#\//);
    const target = node.$ref.slice(2).split('/').map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce((o: any, k: string) => o?.[k], doc);
    expect(target, `reference ${node.$ref} resolves`).toBeDefined();
    if (seen > 20) throw new Error(`reference loop at ${node.$ref}`);
    return deref(target, seen + 1);
  }
  return node;
}

/** Every `$ref` anywhere in the document. */
function allRefs(node: any, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => allRefs(n, out));
  else if (node && typeof node === 'object') {
    if (typeof node.$ref === 'string') out.push(node.$ref);
    Object.values(node).forEach((n) => allRefs(n, out));
  }
  return out;
}

describe('GET /api/v1/openapi.json', () => {
  it('is an OpenAPI 3.1 document with the required top-level fields', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info?.title).toBe('string');
    expect(typeof doc.info?.version).toBe('string');
    expect(doc.paths && typeof doc.paths).toBe('object');
    for (const p of Object.keys(doc.paths)) expect(p.startsWith('/'), p).toBe(true);
    // Every reference resolves, and names a component that exists.
    for (const ref of allRefs(doc)) deref({ $ref: ref });
    // Security requirements name declared schemes.
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    for (const [p, item] of Object.entries<any>(doc.paths)) {
      for (const m of HTTP_METHODS) {
        for (const req of item[m]?.security ?? []) for (const name of Object.keys(req)) expect(schemes, `${m} ${p}`).toContain(name);
      }
    }
  });

  it('documents every route of the system, with its path parameters and responses', () => {
    expect(sys.routes.length).toBeGreaterThanOrEqual(20);
    const missing: string[] = [];
    for (const r of sys.routes) {
      const path = (r.absolute ? r.path : `/api/v1${r.path}`).replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path]?.[r.method];
      if (!op) {
        missing.push(`${r.method.toUpperCase()} ${path}`);
        continue;
      }
      const where = `${r.method} ${path}`;
      expect(typeof op.summary, where).toBe('string');
      // Responses: at least one success, each with a description; JSON errors documented.
      const codes = Object.keys(op.responses ?? {});
      expect(codes.some((c) => /^2\d\d$/.test(c)), `${where} documents a success`).toBe(true);
      for (const c of codes) {
        expect(c, where).toMatch(/^[1-5]\d\d$|^default$/);
        const res = deref(op.responses[c]);
        expect(typeof res.description, `${where} ${c}`).toBe('string');
        if (/^[45]/.test(c)) expect(res.content?.['application/json']?.schema, `${where} ${c} error schema`).toBeDefined();
      }
      if (r.auth.kind !== 'public') expect(codes, `${where} is authenticated`).toContain('401');
      // Each {param} of the path is declared as a required path parameter.
      for (const [, name] of path.matchAll(/\{(\w+)\}/g)) {
        const param = (op.parameters ?? []).map(deref).find((x: any) => x.in === 'path' && x.name === name);
        expect(param, `${where} declares {${name}}`).toBeDefined();
        expect(param.required, `${where} {${name}} is required`).toBe(true);
      }
    }
    expect(missing).toEqual([]);
  });

  it('describes request bodies with schemas that reject additional properties', () => {
    let bodies = 0;
    for (const r of sys.routes.filter((x) => x.body)) {
      const path = (r.absolute ? r.path : `/api/v1${r.path}`).replace(/:(\w+)/g, '{$1}');
      const op = doc.paths[path][r.method];
      const schema = deref(deref(op.requestBody)?.content?.['application/json']?.schema);
      expect(schema, `${r.method} ${path} has a JSON body schema`).toBeDefined();
      expect(schema.type, `${r.method} ${path}`).toBe('object');
      expect(schema.additionalProperties, `${r.method} ${path} rejects additional properties`).toBe(false);
      bodies++;
    }
    expect(bodies).toBeGreaterThanOrEqual(8);
  });

  it('documents the error body shape', () => {
    const login = doc.paths['/api/v1/auth/login'].post;
    const err = deref(deref(login.responses['401']).content['application/json'].schema);
    expect(err.type).toBe('object');
    const inner = deref(err.properties.error);
    expect(Object.keys(inner.properties)).toEqual(expect.arrayContaining(['code', 'message', 'details']));
    expect(inner.required).toEqual(expect.arrayContaining(['code', 'message']));
  });
});

describe('GET /api/docs', () => {
  it('serves an HTML page whose scripts and styles load', async () => {
    const res = await fetch(`${sys.baseUrl}/api/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    const assets = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="([^"]+)"/g)].map((m) => m[1]);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    expect(assets.some((a) => a.endsWith('.css'))).toBe(true);
    for (const a of assets) {
      const asset = await fetch(new URL(a, `${sys.baseUrl}/api/docs`));
      expect(asset.status, a).toBe(200);
      const type = asset.headers.get('content-type') ?? '';
      if (a.endsWith('.js')) expect(type, a).toMatch(/javascript/);
      if (a.endsWith('.css')) expect(type, a).toMatch(/text\/css/);
      expect((await asset.arrayBuffer()).byteLength, a).toBeGreaterThan(50);
    }
    // The page points Swagger UI at the API document.
    const init = await (await fetch(`${sys.baseUrl}/api/docs/init.js`)).text();
    expect(init).toContain('/api/v1/openapi.json');
  });
});

describe('GET /health', () => {
  it('answers 200 with the database and Redis up', async () => {
    const res = await fetch(`${sys.baseUrl}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', database: 'up', redis: 'up' });
  });

  it('answers 503 with redis down, quickly, when Redis is unreachable; and the system still closes promptly', async () => {
    const db = await createTestDatabase('health');
    let system: System | undefined;
    try {
      const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_URL: 'redis://127.0.0.1:1' }, { DATABASE_URL: db.url, ROLE: 'web' });
      system = await createSystem({ config, logger: createLogger('silent'), orm: db.orm, redisPrefix: `t:${db.name}` });
      const port = await system.listen(0);
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      const took = Date.now() - started;
      expect(res.status).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'degraded', database: 'up', redis: 'down' });
      expect(took).toBeLessThan(5_000);

      const closing = Date.now();
      await Promise.race([system.close(), new Promise((_, rej) => setTimeout(() => rej(new Error('close() hung with Redis down')), 5_000))]);
      expect(Date.now() - closing).toBeLessThan(5_000);
      system = undefined;
    } finally {
      await system?.close().catch(() => undefined);
      await db.drop();
    }
  });
});

describe('unknown routes', () => {
  it('answer 404 with a JSON error under /api/v1', async () => {
    for (const [method, path] of [['GET', '/api/v1/nope'], ['POST', '/api/v1/nope/deeper'], ['DELETE', '/api/v1/users/1/nothing'], ['GET', '/api/v2/users']] as const) {
      const res = await fetch(`${sys.baseUrl}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(404);
      expect(res.headers.get('content-type'), `${method} ${path}`).toMatch(/application\/json/);
      const body: any = await res.json();
      expect(body.error.code).toBe('not_found');
      expect(typeof body.error.message).toBe('string');
    }
  });
});
