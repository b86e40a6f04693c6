import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { auditService } from '@portcullis/audit';
import { authService } from '@portcullis/auth';
import { ConfigError, type Env } from '@portcullis/config';
import { ServiceStarted } from '@portcullis/contracts';
import { discoveryService } from '@portcullis/discovery';
import { gatewayService } from '@portcullis/gateway';
import { governanceService } from '@portcullis/governance';
import { startOktaMcpServer } from '@portcullis/okta-mcp';
import { type OktaSim, startOktaSim } from '@portcullis/okta-sim';
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
  /** Present when the embedded Okta simulator plays the company IdP and the Okta org. */
  demo?: { oktaOrgUrl: string; users: { login: string; password: string; role: string }[]; group: string; adminToken: string; secretsFile: string };
  close(): Promise<void>;
}

async function reservePort(host: string, wanted: number): Promise<number> {
  if (wanted !== 0) return wanted;
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startEmbedded(env: Env): Promise<EmbeddedPortcullis> {
  const started = Date.now();
  const cfg = loadEmbeddedConfig(env);
  const dataDir = resolve(cfg.PORTCULLIS_DATA_DIR);
  const secrets = loadOrCreateSecrets(dataDir);
  const host = cfg.HOST === '0.0.0.0' ? '127.0.0.1' : cfg.HOST;
  const port = await reservePort(cfg.HOST, cfg.PORT);
  const url = (cfg.PUBLIC_URL ?? `http://${host}:${port}`).replace(/\/+$/, '');
  const closers: (() => Promise<void>)[] = [];
  let platform: Platform | undefined;
  // The embedded database (a WASM engine to compile and start) comes up while the Okta simulator
  // and the Okta MCP server start: on two cores that is about a second off the start-up.
  const databaseReady = startEmbeddedDatabase({ dataDir: join(dataDir, 'db') }).then((db) => {
    closers.push(() => db.close());
    return db;
  });
  databaseReady.catch(() => undefined);
  try {
    // With no real IdP or Okta org configured, the Okta simulator plays both, seeded with demo data.
    let sim: OktaSim | undefined;
    const wiring: Env = {};
    if (!cfg.IDP_ISSUER_URL && !cfg.OKTA_ORG_URL) {
      const simPort = cfg.OKTA_SIM_PORT ?? (cfg.PORT === 0 ? 0 : port + 10);
      sim = await startOktaSim({ seed: cfg.OKTA_SIM_SEED, size: 'demo', port: simPort }).catch(portTaken('OKTA_SIM_PORT', 'the built-in Okta simulator', simPort));
      closers.unshift(() => sim!.close());
      const app = sim.fixtures.portcullisWebApp;
      for (const path of ['/oauth/idp/callback', '/auth/callback']) sim.org.addRedirectUri(app.clientId, `${url}${path}`);
      Object.assign(wiring, {
        IDP_ISSUER_URL: sim.url,
        IDP_CLIENT_ID: app.clientId,
        IDP_CLIENT_SECRET: app.clientSecret,
        OKTA_ORG_ALLOWLIST: sim.url,
        PORTCULLIS_DEMO: 'true',
        DEMO_OKTA_ORG_URL: sim.url,
        DEMO_OKTA_CLIENT_ID: app.clientId,
        DEMO_OKTA_CLIENT_SECRET: app.clientSecret,
        DEMO_GROUP: sim.fixtures.demoGroupName,
        CIMD_ALLOW_LOOPBACK: 'true',
      });
    }
    const oktaMcpPort = cfg.OKTA_MCP_PORT ?? (cfg.PORT === 0 ? 0 : port + 11);
    const oktaMcp = await startOktaMcpServer({
      port: oktaMcpPort,
      internalSecret: env['INTERNAL_SERVICE_SECRET'] ?? secrets.internalServiceSecret,
      orgAllowlist: (env['OKTA_ORG_ALLOWLIST'] ?? wiring['OKTA_ORG_ALLOWLIST'] ?? '').split(',').map((s) => s.trim()).filter(Boolean),
      logLevel: cfg.LOG_LEVEL === 'info' ? 'warn' : cfg.LOG_LEVEL,
    }).catch(portTaken('OKTA_MCP_PORT', 'the built-in Okta MCP server', oktaMcpPort));
    closers.unshift(() => oktaMcp.close());
    wiring['OKTA_MCP_URL'] = oktaMcp.url;

    const database = await databaseReady;
    platform = await buildEmbeddedPlatform({
      tenantId: cfg.PORTCULLIS_TENANT_ID,
      logLevel: cfg.LOG_LEVEL,
      databaseUrl: database.url,
      features: EMBEDDED_SERVICES.flatMap((s) => s.features),
    });
    const serviceEnv = embeddedServiceEnv(env, cfg, secrets, url, wiring);
    const app = await createServiceApp({
      platform,
      env: serviceEnv,
      modules: EMBEDDED_SERVICES.map((s) => s.module),
      services: EMBEDDED_SERVICES,
      label: 'portcullis',
    });
    await app.listen(port, cfg.HOST).catch(portTaken('PORT', 'Portcullis', port));
    void (app.getHttpServer() as Server);
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
    const f = sim?.fixtures;
    return {
      url,
      platform: p,
      ...(f
        ? {
            demo: {
              oktaOrgUrl: sim!.url,
              group: f.demoGroupName,
              adminToken: secrets.bootstrapAdminToken,
              secretsFile: join(dataDir, 'secrets.json'),
              users: [
                { login: f.regularUser.login, password: f.regularUser.password, role: 'member of the demo group' },
                { login: f.superAdmin.login, password: f.superAdmin.password, role: 'Okta super admin, member of the demo group' },
              ],
            },
          }
        : {}),
      close: () =>
        (closing ??= (async () => {
          await shutdown(app, p, 0);
          for (const c of closers) await c().catch(() => undefined);
        })()),
    };
  } catch (err) {
    if (platform?.dataSource?.isInitialized) await platform.dataSource.destroy().catch(() => undefined);
    await databaseReady.catch(() => undefined);
    for (const c of closers) await c().catch(() => undefined);
    throw err;
  }
}

/** Turns "address in use" into an error that names the port, what wanted it and the setting to change. */
function portTaken(variable: string, what: string, port: number) {
  return (err: unknown): never => {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    throw new ConfigError('portcullis', [
      { variable, problem: `port ${port}, where ${what} listens, is already in use by another program; stop it, or set ${variable} to a free port (0 picks any free port)` },
    ]);
  };
}
