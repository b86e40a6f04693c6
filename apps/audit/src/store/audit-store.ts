import type { DataSource } from 'typeorm';
import type { AuditConfig } from '../audit.config';
import { verifyChain, type VerifyReport } from '../domain/chain-verifier';
import { AuditRecordRepository } from './audit-record.repository';
import { PartitionRepository } from './partition.repository';

export const AUDIT_STORE = Symbol('AUDIT_STORE');

/** The audit store: records (append, query, chain access) and their time partitions. */
export class AuditStore {
  readonly partitions: PartitionRepository;
  readonly records: AuditRecordRepository;

  constructor(
    readonly dataSource: DataSource,
    cfg: Pick<AuditConfig, 'partitionInterval'>,
  ) {
    this.partitions = new PartitionRepository(dataSource, cfg.partitionInterval);
    this.records = new AuditRecordRepository(dataSource, this.partitions);
  }

  verify(tenantId: string, opts: { from?: Date; to?: Date; batchSize?: number } = {}): Promise<VerifyReport> {
    return verifyChain(tenantId, this.records.chainSource(tenantId), opts);
  }
}
