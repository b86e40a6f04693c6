import pino, { type Logger } from 'pino';

/**
 * JSON logs. Anything that could hold a credential is redacted by path, in case a future log
 * call passes headers or a credential object; tool arguments are never logged (they can hold
 * personal data), only tool names, outcomes and Okta request ids.
 */
export const REDACT_PATHS = [
  'authorization',
  'accessToken',
  'token',
  'confirmationToken',
  'headers.authorization',
  'headers["x-portcullis-upstream-token"]',
  'req.headers.authorization',
  'req.headers["x-portcullis-upstream-token"]',
  '*.authorization',
  '*.accessToken',
  '*.token',
  '*.confirmationToken',
  'cred.accessToken',
];

export function createLogger(level: string = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: 'okta-mcp',
      level,
      base: { service: 'okta-mcp' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

export type { Logger };
