import { Controller, Get, Param, UseFilters, UseGuards } from '@nestjs/common';
import { GovernanceAdminGuard } from '../common/admin.guard';
import { NotFoundProblem } from '../common/problem';
import { ProblemDetailsFilter } from '../common/problem.filter';
import { CATALOG, catalogEntry } from './catalog';

@Controller('api/v1/catalog')
@UseGuards(GovernanceAdminGuard)
@UseFilters(ProblemDetailsFilter)
export class CatalogController {
  @Get()
  list() {
    return { data: CATALOG, nextCursor: null };
  }

  @Get(':id')
  get(@Param('id') id: string) {
    const entry = catalogEntry(id);
    if (!entry) throw new NotFoundProblem('catalog entry', id);
    return entry;
  }
}
