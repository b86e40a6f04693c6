import { Body, Controller, HttpCode, Post, UseFilters, UseGuards } from '@nestjs/common';
import { ProblemDetailsFilter } from '../common/filters';
import { type Introspection, IntrospectionService } from './introspection.service';
import { InternalCallers, ServiceTokenGuard } from './service-token.guard';

/** `POST /internal/v1/introspect` — for gateway, governance, audit and discovery (service token). */
@Controller('internal/v1')
@UseGuards(ServiceTokenGuard)
@UseFilters(ProblemDetailsFilter)
export class IntrospectionController {
  constructor(private readonly introspection: IntrospectionService) {}

  @Post('introspect')
  @HttpCode(200)
  @InternalCallers('gateway', 'governance', 'audit', 'discovery')
  introspect(@Body() body: { token?: unknown }): Promise<Introspection> {
    return this.introspection.introspect(typeof body?.token === 'string' ? body.token : '');
  }
}
