import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ToolsDiscovered } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { ToolsService } from './tools.service';

/** Consumes discovery results and turns them into tool inventory changes (one transaction per event). */
@Injectable()
export class ToolInventoryConsumer implements OnApplicationBootstrap, OnModuleDestroy {
  private sub?: Subscription;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
    private readonly tools: ToolsService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.sub = await this.bus.subscribe(
      ToolsDiscovered,
      { group: 'portcullis-governance-tools', fromBeginning: true, maxAttempts: 8, retryDelayMs: 200 },
      async (e) => {
        if (e.tenantId !== this.platform.tenantId) return;
        await this.tools.applyDiscovery(e.eventId, e.payload, e.occurredAt);
      },
    );
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }
}
