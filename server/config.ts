import { z } from 'zod';

/**
 * Configuration from the environment, validated once at start.
 * Every default points at the local services of a development machine.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  ROLE: z.enum(['web', 'worker', 'all']).default('all'),
  DATABASE_URL: z.string().regex(/^mysql:\/\//, 'must be a mysql:// URL').default('mysql://root@127.0.0.1:3306/contact_center'),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default('dev-only-secret-change-me-0123456789abcdef'),
  JWT_ISSUER: z.string().default('contact-center'),
  JWT_AUDIENCE: z.string().default('contact-center-console'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(90).default(14),
  INVITATION_TTL_HOURS: z.coerce.number().int().min(1).max(720).default(72),
  PUBLIC_URL: z.string().url().default('http://localhost:3000'),
  BODY_LIMIT: z.string().regex(/^\d+(kb|mb)$/).default('256kb'),
  TRUST_PROXY: z.string().default('loopback'),
  LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(10),
  LOGIN_WINDOW_SECONDS: z.coerce.number().int().min(1).default(900),
  /** Invalid API keys one client address may present per window before it gets 429 (machines: webhooks). */
  API_KEY_MAX_FAILURES: z.coerce.number().int().min(1).default(30),
  API_KEY_FAILURE_WINDOW_SECONDS: z.coerce.number().int().min(1).default(300),
  SECRETS_KEYS: z.string().regex(/^([A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/=]{43,44})*$/, 'must be "keyId:base64-32-bytes[,keyId:...]", the first one encrypts').default('dev1:ZGV2LW9ubHkta2V5LWNoYW5nZS1tZS0wMTIzNDU2Nzg='),
  WHATSAPP_APP_SECRET: z.string().default('dev-whatsapp-app-secret'),
  WHATSAPP_VERIFY_TOKEN: z.string().default('dev-whatsapp-verify-token'),
  WHATSAPP_GRAPH_URL: z.string().url().default('http://127.0.0.1:3100'),
  SERVE_CLIENT: bool.default(true),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_:-]{1,64}$/, 'letters, digits, _ : - only').default('cc'),
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.-]{0,64}$/).default(''),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(1000).max(120_000).default(10_000),
  PRESENCE_HEARTBEAT_MS: z.coerce.number().int().min(200).max(60_000).default(3_000),
  PRESENCE_SWEEP_MS: z.coerce.number().int().min(200).max(60_000).default(2_000),
  SOCKET_REVALIDATE_MS: z.coerce.number().int().min(200).max(60_000).default(2_000),
  REALTIME_LOG_MAXLEN: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
});

export type Config = z.infer<typeof schema>;

/** Every environment variable the configuration reads (documented in .env.example). */
export const CONFIG_KEYS = Object.keys(schema.shape) as (keyof Config)[];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/** Parses the environment; throws a ConfigError with one line per problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigError(result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const config = { ...result.data, ...overrides };
  // The built-in development secrets are public (they are in this file): production must bring its own.
  if (config.NODE_ENV === 'production') {
    const problems: string[] = [];
    for (const key of ['JWT_SECRET', 'SECRETS_KEYS'] as const) {
      if (config[key] === schema.shape[key].parse(undefined)) problems.push(`${key}: the development default must not be used in production; set your own`);
    }
    if (problems.length) throw new ConfigError(problems);
  }
  return config;
}
