import { Controller, HttpCode, Post, Req, Res, UseFilters } from '@nestjs/common';
import type { Request, Response } from 'express';
import { OAuthErrorFilter } from '../common/filters';
import { bodyParams, NO_STORE_HEADERS } from '../common/http';
import { RevocationService } from './revocation.service';
import { TokenService } from './token.service';

/** `POST /oauth/token` and `POST /oauth/revoke` (form-encoded; JSON accepted too). */
@Controller('oauth')
@UseFilters(OAuthErrorFilter)
export class TokenController {
  constructor(
    private readonly tokens: TokenService,
    private readonly revocation: RevocationService,
  ) {}

  @Post('token')
  @HttpCode(200)
  async token(@Req() req: Request, @Res() res: Response): Promise<void> {
    const body = await this.tokens.token(req, bodyParams(req));
    res.status(200).set(NO_STORE_HEADERS).json(body);
  }

  @Post('revoke')
  @HttpCode(200)
  async revoke(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.revocation.revoke(req, bodyParams(req));
    res.status(200).set(NO_STORE_HEADERS).end();
  }
}
