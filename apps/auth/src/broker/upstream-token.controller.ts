import { Body, Controller, HttpCode, Post, Req, UseFilters, UseGuards } from '@nestjs/common';
import { z } from 'zod';
import { parseBody } from '../common/admin';
import { ProblemDetailsFilter } from '../common/filters';
import { InternalCallers, type InternalRequest, ServiceTokenGuard } from '../internal/service-token.guard';
import { TokenBroker, type UpstreamTokenResult } from './token-broker.service';

const requestSchema = z.object({
  serverId: z.string().min(1).max(200),
  userId: z.string().min(1).max(200),
  userEmail: z.string().max(320).optional(),
});

/**
 * `POST /internal/v1/upstream-token` — the gateway's (and discovery's) way to an upstream credential.
 * The gateway asks for a signed-in user; discovery acts for no user (it sends `userId: "discovery"`),
 * so it gets only credentials that exist without one (see `TokenBroker.upstreamToken`).
 */
@Controller('internal/v1')
@UseGuards(ServiceTokenGuard)
@UseFilters(ProblemDetailsFilter)
export class UpstreamTokenController {
  constructor(private readonly broker: TokenBroker) {}

  @Post('upstream-token')
  @HttpCode(200)
  @InternalCallers('gateway', 'discovery')
  upstreamToken(@Body() body: unknown, @Req() req: InternalRequest): Promise<UpstreamTokenResult> {
    return this.broker.upstreamToken(parseBody(requestSchema, body), req.caller ?? 'gateway');
  }
}
