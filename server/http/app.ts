import express, { type Express, type NextFunction, type Request, type Response } from 'express';
import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { pinoHttp } from 'pino-http';
import type { MikroORM } from '@mikro-orm/mariadb';
import type { Logger } from '../logger.ts';
import type { RouteSpec } from './route.ts';
import type { RequestContext } from './context.ts';
import { AppError, BadRequestError, ConflictError, ForbiddenError, NotFoundError, PayloadTooLargeError, UnauthorizedError, type ErrorBody } from './errors.ts';
import { parseOrThrow } from './validation.ts';
import { TokenError } from '../auth/tokens.ts';
import { AuthStateError, type AuthService } from '../auth/auth.service.ts';
import type { ApiKeyService } from '../tenancy/api-keys.service.ts';

declare module 'express-serve-static-core' {
  interface Request {
    ctx: RequestContext;
    id: string;
  }
}

export interface HttpDeps {
  orm: MikroORM;
  logger: Logger;
  auth: AuthService;
  apiKeys: ApiKeyService;
  bodyLimit: string;
  trustProxy: string;
}

function bearer(req: Request): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : '';
}

/** Turns a token failure into the 401 the client can act on. */
function authFailure(err: unknown): AppError {
  if (err instanceof TokenError) return new UnauthorizedError(err.message, err.reason);
  if (err instanceof AuthStateError) return new UnauthorizedError(err.message, err.reason);
  return err as AppError;
}

/** Mounts one route: authentication, permission, validation, handler, answer. */
export function mountRoute(router: express.Router, spec: RouteSpec, deps: HttpDeps): void {
  router[spec.method](spec.path, async (req: Request, res: Response) => {
    const ctx = req.ctx;
    const auth = spec.auth;
    if (auth.kind === 'user') {
      const principal = await deps.auth.authenticate(ctx.em, bearer(req)).catch((e) => {
        throw authFailure(e);
      });
      ctx.principal = principal;
      ctx.em.setFilterParams('tenant', { tenantId: principal.tenantId });
      ctx.log = ctx.log.child({ tenantId: principal.tenantId, userId: principal.userId });
      if (auth.permission && !principal.permissions.has(auth.permission)) {
        throw new ForbiddenError(`This needs the ${auth.permission} permission.`, { permission: auth.permission });
      }
    } else if (auth.kind === 'apiKey') {
      const principal = await deps.apiKeys.authenticate(ctx.em, bearer(req), auth.scope, ctx.ip);
      ctx.principal = principal;
      ctx.em.setFilterParams('tenant', { tenantId: principal.tenantId });
      ctx.log = ctx.log.child({ tenantId: principal.tenantId, apiKeyId: principal.apiKeyId });
    }
    const input = {
      params: spec.params ? parseOrThrow(spec.params, req.params, 'params') : undefined,
      query: spec.query ? parseOrThrow(spec.query, { ...req.query }, 'query') : undefined,
      body: spec.body ? parseOrThrow(spec.body, req.body ?? {}, 'body') : undefined,
    };
    if (!spec.body && req.body !== undefined && Object.keys(req.body as object).length > 0) {
      throw new BadRequestError('This route takes no request body.', undefined, 'unexpected_body');
    }
    if (!spec.query && Object.keys(req.query as object).length > 0) {
      const details = Object.keys(req.query as object).map((k) => ({ path: `query.${k}`, message: 'is not a parameter of this route', code: 'unrecognized_keys' }));
      throw new BadRequestError('This route takes no query parameters.', details, 'validation_failed');
    }
    const result = await spec.handler(ctx, input, req, res);
    if (res.headersSent) return;
    const status = spec.status ?? 200;
    if (status === 204 || result === undefined) res.status(204).end();
    else res.status(status).json(result);
  });
}

export interface HttpAppOptions {
  routes: RouteSpec[];
  /** Extra mounts (webhooks with raw bodies, static client, docs) before the JSON API. */
  before?: (app: Express) => void;
  after?: (app: Express) => void;
}

export function createHttpApp(deps: HttpDeps, opts: HttpAppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy === 'true' ? true : deps.trustProxy === 'false' ? false : deps.trustProxy);
  app.set('query parser', 'simple');

  app.use(
    pinoHttp({
      logger: deps.logger,
      genReqId: (req, res) => {
        const given = req.headers['x-request-id'];
        const id = typeof given === 'string' && /^[A-Za-z0-9_-]{8,64}$/.test(given) ? given : randomUUID();
        res.setHeader('X-Request-Id', id);
        return id;
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url === '/health' },
      serializers: {
        req: (req) => ({ id: req.id, method: req.method, url: req.url?.split('?')[0] }),
        res: (res) => ({ statusCode: res.statusCode }),
      },
    }),
  );

  app.use((req, _res, next) => {
    req.ctx = {
      em: deps.orm.em.fork(),
      log: req.log,
      requestId: String(req.id),
      ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
      userAgent: String(req.headers['user-agent'] ?? ''),
    };
    next();
  });

  opts.before?.(app);

  // A body that is not JSON is refused instead of being ignored.
  const jsonOnly = (req: Request, _res: Response, next: NextFunction) => {
    if (['POST', 'PUT', 'PATCH', 'DELETE'].includes(req.method) && req.headers['content-length'] && req.headers['content-length'] !== '0' && !req.is(['application/json', 'application/*+json'])) {
      next(new BadRequestError('Send the request body as application/json.', undefined, 'unsupported_media_type'));
      return;
    }
    next();
  };
  const api = express.Router();
  api.use(express.json({ limit: deps.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }));
  api.use(jsonOnly);
  for (const spec of opts.routes) if (!spec.absolute) mountRoute(api, spec, deps);
  api.use((req, _res, next) => next(new NotFoundError(`Route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use('/api/v1', api);

  const abs = express.Router();
  abs.use(express.json({ limit: deps.bodyLimit, strict: true, type: ['application/json', 'application/*+json'] }));
  const absPaths = opts.routes.filter((r) => r.absolute).map((r) => r.path);
  if (absPaths.length) abs.use(absPaths, jsonOnly);
  for (const spec of opts.routes) if (spec.absolute) mountRoute(abs, spec, deps);
  app.use(abs);

  opts.after?.(app);

  app.use((_req, _res, next) => next(new NotFoundError('Page')));
  app.use(errorHandler(deps.logger));
  return app;
}

/** Maps every error to `{ error: { code, message, details } }`; only unknown errors are 500s. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    let e: AppError;
    const anyErr = err as { type?: string; status?: number; expose?: boolean; message?: string };
    if (err instanceof AppError) e = err;
    else if (anyErr?.type === 'entity.too.large') e = new PayloadTooLargeError();
    else if (anyErr?.type === 'entity.parse.failed') e = new BadRequestError('The request body is not valid JSON.', undefined, 'malformed_json');
    else if (anyErr?.type === 'encoding.unsupported' || anyErr?.type === 'charset.unsupported') e = new BadRequestError('The request body encoding is not supported.', undefined, 'unsupported_encoding');
    else if (err instanceof URIError && anyErr.status === 400) e = new BadRequestError('The request path is not valid percent-encoding.', undefined, 'malformed_path');
    // Two requests racing past a service's own check meet the database's constraint: that is a conflict, not a crash.
    else if (err instanceof UniqueConstraintViolationException) e = new ConflictError('This conflicts with a record that was just created or changed; reload and try again.', undefined, 'duplicate');
    else if (err instanceof ForeignKeyConstraintViolationException) e = new ConflictError('A related record was changed or removed at the same time; reload and try again.', undefined, 'related_changed');
    else if (anyErr?.expose && anyErr.status && anyErr.status >= 400 && anyErr.status < 500) e = new BadRequestError(anyErr.message ?? 'Bad request.');
    else {
      (req.log ?? logger).error({ err }, 'unhandled error');
      e = new AppError(500, 'internal_error', 'Something went wrong on our side. The error has been logged.');
    }
    if (e.headers) for (const [k, v] of Object.entries(e.headers)) res.setHeader(k, v);
    const body: ErrorBody = { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
    if (res.headersSent) return;
    res.status(e.status).json(body);
  };
}
