import 'reflect-metadata';
import type { Server } from 'node:http';
import { type INestApplication, Module, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ConfigError, type Env, port, loadConfig } from '@portcullis/config';
import { ServiceStarted } from '@portcullis/contracts';
import { createLogger } from '@portcullis/observability';
import type { PersistenceFeature } from '@portcullis/persistence';
import { z } from 'zod';
import { mountRawRoutes, PinoNestLogger, type RawRoute, requestMetrics } from './http';
import { buildDistributedPlatform, closePlatform, type Platform } from './platform';
import { loadPlatformConfig, type PlatformNeeds } from './platform-config';
import { PlatformModule } from './platform.module';

/**
 * A Portcullis service as a deployable unit: its Nest module, its database features and what it
 * needs. The same definition runs as its own process (distributed) or inside the embedded host.
 */
export interface ServiceDefinition {
  name: 'gateway' | 'auth' | 'discovery' | 'governance' | 'audit';
  module: Type<unknown>;
  features: PersistenceFeature[];
  needs: PlatformNeeds;
  defaultPort: number;
  /** Express middleware mounted before Nest's router and body parser. */
  configureHttp?: (app: NestExpressApplication) => void | Promise<void>;
  /** Paths served by node:http ahead of Express altogether (the MCP endpoint). */
  rawRoutes?: (app: NestExpressApplication) => RawRoute[];
}

export interface RunningService {
  app: INestApplication;
  platform: Platform;
  url: string;
  close(): Promise<void>;
}

const BODY_LIMIT = '1mb';

export async function createServiceApp(opts: {
  platform: Platform;
  env: Env;
  modules: Type<unknown>[];
  services: ServiceDefinition[];
  label: string;
}): Promise<NestExpressApplication> {
  @Module({ imports: [PlatformModule.forRoot(opts.platform, opts.env), ...opts.modules] })
  class HostModule {}

  const app = await NestFactory.create<NestExpressApplication>(HostModule, {
    logger: new PinoNestLogger(opts.platform.logger.child({ component: 'nest' })),
    bodyParser: false,
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.use(requestMetrics(opts.platform.metrics, opts.label, opts.platform.logger));
  for (const s of opts.services) await s.configureHttp?.(app);
  const raw = opts.services.flatMap((s) => s.rawRoutes?.(app) ?? []);
  mountRawRoutes(app.getHttpServer() as Server, raw, opts.platform.metrics, opts.label, opts.platform.logger);
  // Body parsing after the raw handlers, with a size limit: an oversized body gets 413, not a crash.
  app.useBodyParser('json', { limit: BODY_LIMIT });
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT, extended: false });
  return app;
}

/** Stops taking traffic, drains in-flight requests, commits consumer positions, then closes connections. */
export async function shutdown(app: INestApplication, platform: Platform, drainMs: number): Promise<void> {
  platform.health.startDraining();
  if (drainMs > 0) await new Promise((r) => setTimeout(r, drainMs));
  await app.close();
  await closePlatform(platform);
}

/**
 * Entry point of a service process: `node main.js` serves, `node main.js migrate` runs this
 * service's migrations and exits (the command the Helm migration Job runs).
 */
export async function runService(def: ServiceDefinition, argv: string[], env: Env): Promise<RunningService | undefined> {
  const logger = createLogger(def.name, env['LOG_LEVEL'] ?? 'info');
  try {
    const config = loadPlatformConfig(def.name, def.needs, env);
    const { PORT, SHUTDOWN_DRAIN_MS } = loadConfig(
      def.name,
      z.object({ PORT: port(def.defaultPort), SHUTDOWN_DRAIN_MS: z.coerce.number().int().min(0).max(60_000).default(2000) }),
      env,
    );
    if (argv[0] === 'migrate') {
      const platform = await buildDistributedPlatform({ service: def.name, config, features: def.features, migrate: true, logger, cache: def.needs.cache });
      logger.info({ features: def.features.map((f) => f.schema) }, 'migrations applied');
      await closePlatform(platform);
      return undefined;
    }
    const platform = await buildDistributedPlatform({ service: def.name, config, features: def.features, migrate: true, logger, cache: def.needs.cache });
    platform.metrics.up.set({ service: def.name }, 1);
    const app = await createServiceApp({ platform, env, modules: [def.module], services: [def], label: def.name });
    await app.listen(PORT, config.HOST);
    const addr = (app.getHttpServer() as Server).address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : PORT;
    const url = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${actualPort}`;
    await platform.bus.publish(
      ServiceStarted,
      { service: def.name, instanceId: platform.instanceId, version: platform.version, startedAt: new Date().toISOString() },
      { tenantId: platform.tenantId },
    );
    logger.info({ url, health: `${url}/healthz`, metrics: `${url}/metrics` }, `${def.name} listening`);
    let closing: Promise<void> | undefined;
    const close = () => (closing ??= shutdown(app, platform, SHUTDOWN_DRAIN_MS));
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.once(sig, () => {
        logger.info({ signal: sig }, 'shutting down: draining in-flight work');
        void close().then(() => process.exit(0));
      });
    }
    return { app, platform, url, close };
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal(err.message);
      process.stderr.write(err.message + '\n');
    } else {
      logger.fatal({ err }, `${def.name} failed to start: ${(err as Error).message}`);
    }
    process.exitCode = 1;
    throw err;
  }
}
