import { Controller, Get, Header } from '@nestjs/common';
import { SigningKeysService } from './signing-keys.service';

/** The public keys that verify Portcullis access tokens (active key and recently retired ones). */
@Controller('oauth')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  @Get('jwks')
  @Header('Cache-Control', 'public, max-age=60')
  @Header('Access-Control-Allow-Origin', '*')
  jwks() {
    return this.keys.jwks();
  }
}
