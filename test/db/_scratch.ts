import { z } from 'zod';
import { authRoutes } from '../../server/auth/auth.routes.ts';
import { tenancyRoutes } from '../../server/tenancy/tenancy.routes.ts';
const routes = [...authRoutes({} as any), ...tenancyRoutes({} as any)];
for (const r of routes) {
  const js = (s: any) => s ? JSON.stringify(z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' })) : '-';
  console.log(r.method, r.path, '\n  body', js(r.body), '\n  query', js(r.query), '\n  params', js(r.params));
}
const r = (routes.find((x) => x.path === '/users/:id' && x.method === 'patch')!.body as any).safeParse({ name: 1, extra: 2 });
console.log(JSON.stringify(r.error.issues));
console.log(JSON.stringify((routes.find((x) => x.path === '/users/:id' && x.method === 'patch')!.body as any).safeParse({}).error.issues));
