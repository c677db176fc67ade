import http from 'node:http';
import path from 'node:path';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { Redis } from 'ioredis';
import type { Queue, Worker } from 'bullmq';
import type { Config } from './config.ts';
import { createLogger, type Logger } from './logger.ts';
import { createOrm, type MikroORM } from './db/orm.ts';
import { createHttpApp } from './http/app.ts';
import type { RouteSpec } from './http/route.ts';
import { AccessTokens } from './auth/tokens.ts';
import { FailureLimiter, LoginLimiter } from './auth/login-limiter.ts';
import { AuthService } from './auth/auth.service.ts';
import { authRoutes } from './auth/auth.routes.ts';
import { UserService } from './tenancy/users.service.ts';
import { InvitationService } from './tenancy/invitations.service.ts';
import { ApiKeyService, apiKeyInvalidationChannel } from './tenancy/api-keys.service.ts';
import { SettingsService } from './tenancy/settings.service.ts';
import { tenancyRoutes } from './tenancy/tenancy.routes.ts';
import { mountHealth } from './system/health.ts';
import { buildOpenApi, DOCS_HTML, DOCS_INIT } from './system/openapi.ts';
import { maintenanceQueue, maintenanceWorker, scheduleMaintenance } from './jobs/maintenance.ts';
import { Publisher, realtimeKeys } from './realtime/publisher.ts';
import { RealtimeGateway } from './realtime/gateway.ts';
import { PresenceService } from './presence/presence.service.ts';
import { presenceRoutes } from './presence/presence.routes.ts';
import { LeadStatusService } from './crm/lead-statuses.service.ts';
import { LeadService } from './crm/leads.service.ts';
import { FollowupScheduler, remindersQueue, remindersWorker } from './crm/followups.ts';
import { crmRoutes } from './crm/crm.routes.ts';
import { notificationRoutes } from './notifications/notifications.routes.ts';
import { NotificationService } from './notifications/notifications.service.ts';
import { SecretBox } from './security/secret-box.ts';
import { SipCredentialService } from './telephony/sip-credentials.service.ts';
import { sipCredentialRoutes } from './telephony/sip-credentials.routes.ts';
import { DispositionService } from './telephony/dispositions.service.ts';
import { dispositionRoutes } from './telephony/dispositions.routes.ts';
import { CallService } from './telephony/calls.service.ts';
import { callRoutes } from './telephony/calls.routes.ts';
import { PbxWebhookService } from './telephony/pbx-webhook.service.ts';
import { pbxWebhookRoutes } from './telephony/pbx-webhook.routes.ts';
import { WrapupService } from './telephony/wrapup.service.ts';
import { WrapupScheduler, wrapupQueue, wrapupWorker } from './telephony/wrapup-timeout.ts';
import { ContactService } from './contacts/contacts.service.ts';
import { contactRoutes } from './contacts/contacts.routes.ts';
import os from 'node:os';
import { randomBytes } from 'node:crypto';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, here.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');

export interface SystemDeps {
  config: Config;
  logger?: Logger;
  /** An ORM built by the caller (tests share one per file); otherwise one is made. */
  orm?: MikroORM;
  /** Prefix of every Redis key and queue, so test files never collide. */
  redisPrefix?: string;
}

/** Everything the process runs, built from its dependencies: used by main.ts and by the tests alike. */
export interface System {
  config: Config;
  logger: Logger;
  orm: MikroORM;
  redis: Redis;
  app: express.Express;
  server: http.Server;
  routes: RouteSpec[];
  services: {
    auth: AuthService; users: UserService; notifications: NotificationService; invitations: InvitationService; apiKeys: ApiKeyService; settings: SettingsService; presence: PresenceService;
    leadStatuses: LeadStatusService; leads: LeadService; followups: FollowupScheduler;
    sipCredentials: SipCredentialService; dispositions: DispositionService;
    calls: CallService; pbxWebhook: PbxWebhookService; wrapup: WrapupService; wrapupTimers: WrapupScheduler;
  };
  publisher: Publisher;
  /** The Socket.IO gateway (web and all roles only). */
  gateway: RealtimeGateway | null;
  nodeId: string;
  queues: Queue[];
  workers: Worker[];
  listen(port?: number): Promise<number>;
  close(): Promise<void>;
}

export async function createSystem(deps: SystemDeps): Promise<System> {
  const { config } = deps;
  const logger = deps.logger ?? createLogger(config.LOG_LEVEL);
  const prefix = deps.redisPrefix ?? config.REDIS_PREFIX;
  const nodeId = config.NODE_ID || `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`.slice(0, 64);
  const ownOrm = !deps.orm;
  const orm = deps.orm ?? (await createOrm(config.DATABASE_URL, logger));
  const redis = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, lazyConnect: false });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));

  const tokens = new AccessTokens({ secret: config.JWT_SECRET, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
  const limiter = new LoginLimiter(redis, config.LOGIN_MAX_FAILURES, config.LOGIN_WINDOW_SECONDS, `${prefix}:login-fail`);
  const auth = new AuthService(tokens, limiter, config.REFRESH_TOKEN_TTL_DAYS);
  // The publisher's own connection, auto-pipelined: the events a tick publishes (a batch of PBX events,
  // a bulk change) leave in one write instead of one per command.
  const publishRedis = redis.duplicate({ enableAutoPipelining: true });
  publishRedis.on('error', (err) => logger.warn({ err: err.message }, 'redis (publisher) connection error'));
  const publisher = new Publisher(publishRedis, realtimeKeys(prefix), config.REALTIME_LOG_MAXLEN);
  const presence = new PresenceService(orm, redis, publisher, prefix, nodeId, { graceMs: config.PRESENCE_GRACE_MS, heartbeatMs: config.PRESENCE_HEARTBEAT_MS, sweepMs: config.PRESENCE_SWEEP_MS }, logger);
  const users = new UserService(auth, publisher);
  const notifications = new NotificationService(publisher);
  const bullPrefix = `${prefix}:bull`;
  const followups = new FollowupScheduler(remindersQueue(config.REDIS_URL, bullPrefix));
  const leadStatuses = new LeadStatusService(publisher, followups);
  const leads = new LeadService(publisher, followups, leadStatuses);
  const invitations = new InvitationService(users, config.PUBLIC_URL, config.INVITATION_TTL_HOURS);
  // Revokes are announced on a pub/sub channel under the prefix, so every node drops the key at once.
  const apiKeys = new ApiKeyService(
    { redis, channel: apiKeyInvalidationChannel(prefix), logger },
    new FailureLimiter(redis, config.API_KEY_MAX_FAILURES, config.API_KEY_FAILURE_WINDOW_SECONDS, `${prefix}:api-key-fail`),
  );
  const settings = new SettingsService();
  const secrets = new SecretBox(config.SECRETS_KEYS);
  const sipCredentials = new SipCredentialService(publisher, secrets);
  const dispositions = new DispositionService(publisher);

  const routes: RouteSpec[] = [...authRoutes(auth), ...tenancyRoutes({ users, invitations, apiKeys, settings }), ...presenceRoutes(presence, publisher), ...crmRoutes(leads, leadStatuses), ...notificationRoutes(notifications), ...sipCredentialRoutes(sipCredentials), ...dispositionRoutes(dispositions)];
  // Calls and the PBX webhook (issue 5).
  const wrapupTimers = new WrapupScheduler(wrapupQueue(config.REDIS_URL, bullPrefix));
  const calls = new CallService(orm, publisher, presence, wrapupTimers, logger);
  const pbxWebhook = new PbxWebhookService(orm, calls, logger);
  const wrapup = new WrapupService(calls, leads, publisher, logger);
  presence.onOffline = (tenantId, userId) => calls.endAbandoned(tenantId, userId);
  routes.push(...callRoutes(calls, wrapup, presence), ...pbxWebhookRoutes(pbxWebhook));
  routes.push(...contactRoutes(new ContactService(publisher)));
  const openapi = buildOpenApi(routes, '0.1.0');
  const clientDir = path.join(root, 'dist', 'client');
  const serveClient = config.SERVE_CLIENT && fs.existsSync(path.join(clientDir, 'index.html'));

  const app = createHttpApp(
    { orm, logger, auth, apiKeys, bodyLimit: config.BODY_LIMIT, trustProxy: config.TRUST_PROXY },
    {
      routes,
      before: (a) => {
        mountHealth(a, orm, redis, config.ROLE);
        a.get('/api/v1/openapi.json', (_req, res) => res.json(openapi));
        a.get('/api/docs', (_req, res) => res.type('html').send(DOCS_HTML));
        a.get('/api/docs/init.js', (_req, res) => res.type('js').send(DOCS_INIT));
        a.use('/api/docs/assets', express.static(path.join(root, 'node_modules', 'swagger-ui-dist'), { index: false }));
      },
      after: (a) => {
        if (!serveClient) return;
        a.use(express.static(clientDir, { index: false, maxAge: '1h' }));
        // The console is a single-page app: every other GET gets its shell.
        a.get(/^\/(?!api\/|webhooks\/|socket\.io\/|health$).*/, (_req, res) => res.sendFile(path.join(clientDir, 'index.html')));
      },
    },
  );
  const server = http.createServer(app);
  const isWeb = config.ROLE === 'web' || config.ROLE === 'all';
  const gateway = isWeb ? new RealtimeGateway({ httpServer: server, redis, orm, auth, publisher, presence, logger, revalidateMs: config.SOCKET_REVALIDATE_MS, trustProxy: config.TRUST_PROXY }) : null;
  if (gateway) {
    gateway.start();
    presence.start();
    users.onRenamed = (tenantId, userId, name) => gateway.renamed(tenantId, userId, name);
  }
  // A node that serves HTTP checks API keys: it listens for revokes made on any node (its own connection,
  // subscribed again by the service after every reconnect).
  if (isWeb) {
    const apiKeySub = redis.duplicate({ autoResubscribe: false });
    apiKeySub.on('error', (err) => logger.warn({ err: err.message }, 'redis (api key invalidation) connection error'));
    apiKeys.listen(apiKeySub);
  }

  const queues: Queue[] = [followups.queue as Queue, wrapupTimers.queue as Queue];
  const workers: Worker[] = [];
  if (config.ROLE === 'worker' || config.ROLE === 'all') {
    workers.push(remindersWorker(orm, publisher, config.REDIS_URL, bullPrefix, logger) as Worker);
    workers.push(wrapupWorker(orm, presence, config.REDIS_URL, bullPrefix, logger) as Worker);
    const q = maintenanceQueue({ url: config.REDIS_URL }, bullPrefix);
    queues.push(q as Queue);
    await scheduleMaintenance(q);
    workers.push(maintenanceWorker(orm, { url: config.REDIS_URL }, bullPrefix, logger) as Worker);
  }

  let closed = false;
  return {
    config, logger, orm, redis, app, server, routes, queues, workers, publisher, gateway, nodeId,
    services: { auth, users, notifications, invitations, apiKeys, settings, presence, leadStatuses, leads, followups, sipCredentials, dispositions, calls, pbxWebhook, wrapup, wrapupTimers },
    listen(port = config.PORT) {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, () => {
          const addr = server.address();
          resolve(typeof addr === 'object' && addr ? addr.port : port);
        });
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      presence.stop();
      if (gateway) await gateway.close();
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all(queues.map((q) => q.close()));
      if (server.listening) {
        server.closeAllConnections();
        await new Promise<void>((r) => server.close(() => r()));
      }
      // A batch of PBX events being written finishes before its connections close.
      await pbxWebhook.idle();
      await apiKeys.stop();
      await publishRedis.quit().catch(() => publishRedis.disconnect());
      redis.disconnect();
      if (ownOrm) await orm.close(true);
    },
  };
}
