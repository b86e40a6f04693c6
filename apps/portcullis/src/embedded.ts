import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { auditService } from '@portcullis/audit';
import { authService } from '@portcullis/auth';
import type { Env } from '@portcullis/config';
import { ServiceStarted } from '@portcullis/contracts';
import { discoveryService } from '@portcullis/discovery';
import { gatewayService } from '@portcullis/gateway';
import { governanceService } from '@portcullis/governance';
import { startEmbeddedDatabase } from '@portcullis/persistence';
import { buildEmbeddedPlatform, createServiceApp, type Platform, type ServiceDefinition, shutdown } from '@portcullis/runtime';
import { embeddedServiceEnv, loadEmbeddedConfig, loadOrCreateSecrets } from './embedded-config';

/**
 * The embedded composition root: all five Portcullis services as modules of ONE Nest application on
 * one port, over the in-process bus, the embedded database and the in-memory cache. This is the only
 * place where service modules meet; services never import each other.
 */
export const EMBEDDED_SERVICES: ServiceDefinition[] = [governanceService, auditService, authService, discoveryService, gatewayService];

export interface EmbeddedPortcullis {
  url: string;
  platform: Platform;
  close(): Promise<void>;
}

export async function startEmbedded(env: Env): Promise<EmbeddedPortcullis> {
  const started = Date.now();
  const cfg = loadEmbeddedConfig(env);
  const dataDir = resolve(cfg.PORTCULLIS_DATA_DIR);
  const secrets = loadOrCreateSecrets(dataDir);
  const database = await startEmbeddedDatabase({ dataDir: join(dataDir, 'db') });
  let platform: Platform | undefined;
  try {
    platform = await buildEmbeddedPlatform({
      tenantId: cfg.PORTCULLIS_TENANT_ID,
      logLevel: cfg.LOG_LEVEL,
      databaseUrl: database.url,
      features: EMBEDDED_SERVICES.flatMap((s) => s.features),
    });
    const listenUrlGuess = cfg.PUBLIC_URL ?? `http://${cfg.HOST === '0.0.0.0' ? '127.0.0.1' : cfg.HOST}:${cfg.PORT}`;
    const serviceEnv = embeddedServiceEnv(env, cfg, secrets, listenUrlGuess);
    const app = await createServiceApp({
      platform,
      env: serviceEnv,
      modules: EMBEDDED_SERVICES.map((s) => s.module),
      services: EMBEDDED_SERVICES,
      label: 'portcullis',
    });
    await app.listen(cfg.PORT, cfg.HOST);
    const addr = (app.getHttpServer() as Server).address();
    const actualPort = typeof addr === 'object' && addr ? addr.port : cfg.PORT;
    const url = cfg.PUBLIC_URL ?? `http://${cfg.HOST === '0.0.0.0' ? '127.0.0.1' : cfg.HOST}:${actualPort}`;
    for (const s of EMBEDDED_SERVICES) {
      platform.metrics.up.set({ service: s.name }, 1);
      await platform.bus.publish(
        ServiceStarted,
        { service: s.name, instanceId: platform.instanceId, version: platform.version, startedAt: new Date().toISOString() },
        { tenantId: platform.tenantId },
      );
    }
    platform.logger.info({ url, startupMs: Date.now() - started, dataDir }, 'Portcullis (embedded) ready');
    const p = platform;
    let closing: Promise<void> | undefined;
    return {
      url,
      platform: p,
      close: () =>
        (closing ??= (async () => {
          await shutdown(app, p, 0);
          await database.close();
        })()),
    };
  } catch (err) {
    if (platform?.dataSource?.isInitialized) await platform.dataSource.destroy().catch(() => undefined);
    await database.close().catch(() => undefined);
    throw err;
  }
}
