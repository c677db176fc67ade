import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { RouteSpec } from '../http/route.ts';
import { ErrorBody } from '../../shared/schemas/common.ts';

const ERROR_TEXT: Record<number, string> = {
  400: 'Malformed JSON or a field that fails validation (details lists the fields)',
  401: 'No token, or an invalid, expired or revoked one',
  403: 'The caller lacks the permission (or API key scope)',
  404: 'Not found, or it belongs to another tenant',
  409: 'Conflicts with the current state',
  413: 'The body is over the size limit',
  422: 'Well-formed but breaks a business rule',
  429: 'Too many requests; see Retry-After',
};

/** Builds the OpenAPI 3.1 document from the same route specs that validate requests. */
export function buildOpenApi(routes: RouteSpec[], version: string) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from /auth/login' });
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer', description: 'A tenant API key (created with POST /api/v1/api-keys)' });
  for (const r of routes) {
    const path = (r.absolute ? r.path : `/api/v1${r.path}`).replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = res!.schema ? { description: res!.description, content: { 'application/json': { schema: res!.schema } } } : { description: res!.description };
    }
    const errors = new Set([...(r.errors ?? []), 413]);
    if (r.auth.kind !== 'public') errors.add(401);
    for (const code of errors) responses[String(code)] = { description: ERROR_TEXT[code] ?? 'Error', content: { 'application/json': { schema: ErrorBody } } };
    const needs = r.auth.kind === 'user' ? (r.auth.permission ? `Requires the \`${r.auth.permission}\` permission.` : 'Any signed-in user.') : r.auth.kind === 'apiKey' ? `Requires an API key with the \`${r.auth.scope}\` scope.` : 'Public.';
    registry.registerPath({
      method: r.method,
      path,
      tags: [r.tag],
      summary: r.summary,
      description: [r.description, needs].filter(Boolean).join('\n\n'),
      security: r.auth.kind === 'user' ? [{ bearer: [] }] : r.auth.kind === 'apiKey' ? [{ apiKey: [] }] : [],
      request: {
        ...(r.params ? { params: r.params as never } : {}),
        ...(r.query ? { query: r.query as never } : {}),
        ...(r.body ? { body: { required: true, content: { 'application/json': { schema: r.body } } } } : {}),
      },
      responses: responses as never,
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Contact Center API', version, description: 'REST API of the contact-center workspace. Errors are `{ "error": { "code", "message", "details"? } }`.' },
    servers: [{ url: '/' }],
  });
}

/** The interactive reference page (Swagger UI from the swagger-ui-dist package, served locally). */
export const DOCS_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Contact Center API reference</title>
<link rel="stylesheet" href="/api/docs/assets/swagger-ui.css"></head>
<body><div id="ui"></div>
<script src="/api/docs/assets/swagger-ui-bundle.js"></script>
<script src="/api/docs/init.js"></script></body></html>`;
export const DOCS_INIT = `window.ui = SwaggerUIBundle({ url: '/api/v1/openapi.json', dom_id: '#ui', deepLinking: true, persistAuthorization: true });`;
