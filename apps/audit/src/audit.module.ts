import { Module } from '@nestjs/common';
import { IntrospectionClient } from '@portcullis/admin-auth';
import type { Env } from '@portcullis/config';
import { ServiceTokenSigner } from '@portcullis/crypto';
import type { PersistenceFeature } from '@portcullis/persistence';
import { EVENT_BUS, type EventBus } from '@portcullis/messaging';
import { DATA_SOURCE, ENV, PLATFORM, type Platform, type ServiceDefinition } from '@portcullis/runtime';
import type { DataSource } from 'typeorm';
import { AUDIT_CONFIG, type AuditConfig, loadAuditConfig } from './audit.config';
import { AuditMetrics } from './audit.metrics';
import { AUDIT_INTROSPECTION } from './http/audit-admin.guard';
import { AuditController } from './http/audit.controller';
import { AuditIngestService } from './ingest/audit-ingest.service';
import { TenantSettingsService } from './ingest/tenant-settings.service';
import { AuditInitial1764500000000 } from './migrations/1764500000000-audit-initial';
import { AUDIT_STORE, AuditStore } from './store/audit-store';
import { AuditMaintenanceService } from './store/maintenance.service';

export const auditPersistence: PersistenceFeature = {
  service: 'audit',
  schema: 'audit',
  entities: [],
  migrations: [AuditInitial1764500000000],
};

@Module({
  controllers: [AuditController],
  providers: [
    { provide: AUDIT_CONFIG, useFactory: (env: Env) => loadAuditConfig(env), inject: [ENV] },
    {
      provide: AUDIT_INTROSPECTION,
      useFactory: async (cfg: AuditConfig, bus: EventBus, platform: Platform) => {
        const client = new IntrospectionClient(cfg.authInternalUrl, new ServiceTokenSigner(cfg.internalServiceSecret, 'audit'));
        await client.watchRevocations(bus, platform.tenantId, 'portcullis-audit');
        return client;
      },
      inject: [AUDIT_CONFIG, EVENT_BUS, PLATFORM],
    },
    {
      provide: AUDIT_STORE,
      useFactory: (ds: DataSource | null, cfg: AuditConfig) => {
        if (!ds)
          throw new Error('The audit service needs a database (DATABASE_URL), and none is configured.');
        return new AuditStore(ds, cfg);
      },
      inject: [DATA_SOURCE, AUDIT_CONFIG],
    },
    AuditMetrics,
    TenantSettingsService,
    AuditIngestService,
    AuditMaintenanceService,
  ],
})
export class AuditModule {}

export const auditService: ServiceDefinition = {
  name: 'audit',
  module: AuditModule,
  features: [auditPersistence],
  needs: { database: true, cache: false },
  defaultPort: 8084,
};
