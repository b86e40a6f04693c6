import { Module } from '@nestjs/common';
import type { PersistenceFeature } from '@portcullis/persistence';
import type { ServiceDefinition } from '@portcullis/runtime';
import { AuditEventsController } from './events/audit-events.controller';
import { AuditIngestService } from './events/audit-ingest.service';
import { AuditRecord } from './events/audit-record.entity';
import { AuditRecordRepository } from './events/audit-record.repository';
import { AuditInitial1764500000000 } from './migrations/1764500000000-audit-initial';

export const auditPersistence: PersistenceFeature = {
  service: 'audit',
  schema: 'audit',
  entities: [AuditRecord],
  migrations: [AuditInitial1764500000000],
};

@Module({
  controllers: [AuditEventsController],
  providers: [AuditRecordRepository, AuditIngestService],
})
export class AuditModule {}

export const auditService: ServiceDefinition = {
  name: 'audit',
  module: AuditModule,
  features: [auditPersistence],
  needs: { database: true, cache: false },
  defaultPort: 8084,
};
