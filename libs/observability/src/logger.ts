import pino, { type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * Paths redacted from every log line. Secrets are never logged: tokens, secrets, passwords,
 * authorization and cookie headers, the upstream credential headers of the internal channel.
 */
export const REDACT_PATHS = [
  'password',
  'secret',
  'token',
  'accessToken',
  'refreshToken',
  'clientSecret',
  'client_secret',
  'access_token',
  'refresh_token',
  'id_token',
  'code_verifier',
  '*.password',
  '*.secret',
  '*.token',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-portcullis-upstream-token"]',
  'req.headers["x-sim-control"]',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["x-portcullis-upstream-token"]',
];

export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  const options: LoggerOptions = {
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}
