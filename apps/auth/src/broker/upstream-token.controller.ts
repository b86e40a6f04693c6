import { Body, Controller, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { parseBody } from '../common/admin';
import { ProblemDetailsFilter } from '../common/filters';
import { InternalCallers, ServiceTokenGuard } from '../internal/service-token.guard';
import { TokenBroker, type UpstreamTokenResult } from './token-broker.service';

const requestSchema = z.object({
  serverId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  userEmail: z.string().max(320).optional(),
});

/** `POST /internal/v1/upstream-token` — the gateway's (and discovery's) way to an upstream credential. */
@Controller('internal/v1')
@UseGuards(ServiceTokenGuard)
@UseFilters(ProblemDetailsFilter)
export class UpstreamTokenController {
  constructor(private readonly broker: TokenBroker) {}

  @Post('upstream-token')
  @HttpCode(200)
  @InternalCallers('gateway', 'discovery')
  upstreamToken(@Body() body: unknown): Promise<UpstreamTokenResult> {
    return this.broker.upstreamToken(parseBody(requestSchema, body));
  }
}
