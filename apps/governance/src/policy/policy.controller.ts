import { Controller, Get, Inject, UseFilters, UseGuards } from '@nestjs/common';
import { GovernanceAdminGuard } from '../common/admin.guard';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { Database } from '@portcullis/runtime';
import { ProblemError } from '../common/problem';
import { ProblemDetailsFilter } from '../common/problem.filter';
import { PolicyPublisher } from './policy-publisher.service';
import { PolicyStateRepository } from './policy-state.repository';

@Controller('api/v1/policy')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
export class PolicyController {
  constructor(
    private readonly publisher: PolicyPublisher,
    private readonly state: PolicyStateRepository,
    private readonly db: Database,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  /** Publication status: the newest version, what was published, and whether changes are waiting. */
  @Get()
  async status() {
    const s = await this.state.get(this.db.sql, this.platform.tenantId);
    return {
      version: s?.version ?? 0,
      publishedVersion: s?.publishedVersion ?? 0,
      publishedAt: s?.publishedAt ?? null,
      pendingChanges: s ? Math.max(0, s.changeSeq - s.publishedSeq) : 0,
      lastError: s?.lastError ?? null,
    };
  }

  @Get('snapshot')
  async snapshot() {
    const snapshot = await this.publisher.current();
    if (!snapshot)
      throw new ProblemError(
        503,
        'no-policy',
        'No policy compiled yet',
        'Governance has not compiled a policy snapshot yet; retry in a moment.',
      );
    return snapshot;
  }
}
