import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { FlowStateRepository } from '../sessions/flow-state.repository';
import { SessionRepository } from '../sessions/session.repository';
import { TokenRepository } from '../tokens/token.repository';

const EVERY_MS = 10 * 60_000;

/** Deletes expired sessions, flow states, codes and token records, every ten minutes (any replica; idempotent). */
@Injectable()
export class MaintenanceService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly flows: FlowStateRepository,
    private readonly sessions: SessionRepository,
    private readonly tokens: TokenRepository,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async sweep(): Promise<number> {
    try {
      const n =
        (await this.flows.deleteExpired()) +
        (await this.sessions.deleteExpired()) +
        (await this.tokens.deleteExpired());
      if (n) this.platform.logger.debug({ deleted: n }, 'auth: expired records deleted');
      return n;
    } catch (err) {
      this.platform.logger.warn({ err }, 'auth: clean-up of expired records failed');
      return 0;
    }
  }
}
