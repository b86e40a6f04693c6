import { Controller, type DynamicModule, Get, Global, Inject, Module, Res } from '@nestjs/common';
import type { Env } from '@portcullis/config';
import { EVENT_BUS } from '@portcullis/messaging';
import { CACHE } from '@portcullis/cache';
import type { Response } from 'express';
import { PLATFORM, type Platform } from './platform';

export const ENV = Symbol('ENV');
export const DATA_SOURCE = Symbol('DATA_SOURCE');

@Controller()
export class HealthController {
  constructor(@Inject(PLATFORM) private readonly platform: Platform) {}

  /** Liveness: the process is up and its event loop answers. */
  @Get('healthz')
  healthz() {
    return { status: 'ok', instance: this.platform.instanceId, version: this.platform.version };
  }

  /** Readiness: every dependency this process needs answers, and it is not draining. */
  @Get('readyz')
  async readyz(@Res() res: Response) {
    const report = await this.platform.health.readiness();
    res.status(report.status === 'ok' ? 200 : 503).json(report);
  }

  @Get('metrics')
  async metrics(@Res() res: Response) {
    const { contentType, body } = await this.platform.metrics.render();
    res.setHeader('content-type', contentType);
    res.send(body);
  }
}

/**
 * Makes the platform (bus, cache, database, logger, metrics, health) injectable in every service
 * module, and serves /healthz, /readyz and /metrics once per process.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(platform: Platform, env: Env): DynamicModule {
    return {
      module: PlatformModule,
      controllers: [HealthController],
      providers: [
        { provide: PLATFORM, useValue: platform },
        { provide: ENV, useValue: env },
        { provide: EVENT_BUS, useValue: platform.bus },
        { provide: CACHE, useValue: platform.cache },
        { provide: DATA_SOURCE, useValue: platform.dataSource ?? null },
      ],
      exports: [PLATFORM, ENV, EVENT_BUS, CACHE, DATA_SOURCE],
    };
  }
}
