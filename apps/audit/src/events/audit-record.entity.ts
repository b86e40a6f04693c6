import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * One stored audit record. Append-only: rows are inserted once per `eventId` (redelivery is a no-op)
 * and never updated.
 */
@Entity({ schema: 'audit', name: 'records' })
@Index('records_tenant_time', ['tenantId', 'occurredAt'])
export class AuditRecord {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ name: 'event_id', type: 'uuid', unique: true })
  eventId!: string;

  @Column({ name: 'tenant_id', type: 'text' })
  tenantId!: string;

  @Column({ type: 'text' })
  type!: string;

  @Column({ name: 'occurred_at', type: 'timestamptz' })
  occurredAt!: Date;

  @Column({ name: 'recorded_at', type: 'timestamptz', default: () => 'now()' })
  recordedAt!: Date;

  @Column({ name: 'trace_id', type: 'text', nullable: true })
  traceId!: string | null;

  @Column({ type: 'jsonb' })
  payload!: Record<string, unknown>;
}
