export * from './audit.module';
export { loadAuditConfig, type AuditConfig } from './audit.config';
export { AuditStore } from './store/audit-store';
export { runMaintenance } from './store/maintenance';
export { AUDIT_CONSUMER_GROUP, AUDITED_EVENTS } from './ingest/audit-ingest.service';
