import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { ServerChanged } from '@portcullis/contracts';
import { EVENT_BUS, type EventBus, type Subscription } from '@portcullis/messaging';
import { PLATFORM, type Platform } from '@portcullis/runtime';

/** Follows server registrations so discovery knows which upstreams to inventory. */
@Injectable()
export class ServerWatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  readonly servers = new Map<string, { displayName: string; paused: boolean }>();
  private sub?: Subscription;

  constructor(
    @Inject(EVENT_BUS) private readonly bus: EventBus,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.sub = await this.bus.subscribe(ServerChanged, { group: 'portcullis-discovery', fromBeginning: true }, async (e) => {
      if (e.payload.change === 'deleted') this.servers.delete(e.payload.serverId);
      else this.servers.set(e.payload.serverId, { displayName: e.payload.displayName, paused: e.payload.paused });
      this.platform.logger.info({ serverId: e.payload.serverId, change: e.payload.change }, 'server registration changed');
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.sub?.close();
  }
}
