import { ConfigError } from '@portcullis/config';
import { loadOktaMcpConfig } from './config';
import { createLogger } from './logger';
import { startOktaMcpServer } from './server';

/** Standalone entry: `node dist/apps/okta-mcp/src/main.js`. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadOktaMcpConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      process.exit(1);
    }
    throw err;
  }
  const logger = createLogger(config.LOG_LEVEL);
  const server = await startOktaMcpServer({
    port: config.OKTA_MCP_PORT,
    host: config.HOST,
    internalSecret: config.INTERNAL_SERVICE_SECRET,
    orgAllowlist: config.OKTA_ORG_ALLOWLIST,
    logger,
    okta: { timeoutMs: config.OKTA_REQUEST_TIMEOUT_MS, rateLimitBudgetMs: config.OKTA_RATE_LIMIT_BUDGET_MS },
    shutdownGraceMs: config.SHUTDOWN_GRACE_MS,
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

void main();
