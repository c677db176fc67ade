import { pino, type Logger } from 'pino';

/**
 * Paths never written to a log line. Bodies are not logged at all; these cover
 * headers and any object a caller passes as a log field.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.sipPassword',
  '*.accessToken',
  '*.refreshToken',
  '*.token',
  '*.key',
  '*.secret',
  'password',
  'accessToken',
  'refreshToken',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination as pino.DestinationStream | undefined,
  );
}
export type { Logger };
