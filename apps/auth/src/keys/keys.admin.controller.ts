import { Controller, Get, HttpCode, Post, Req } from '@nestjs/common';
import type { AdminRequest } from '@portcullis/admin-auth';
import { actorOf, AdminApi } from '../common/admin';
import { AuthEvents } from '../common/auth-events';
import { KeyRotationService } from './key-rotation.service';
import { SigningKeysService } from './signing-keys.service';

/** Token signing keys (list, rotate) and key-encryption-key re-wrap. */
@Controller('api/v1')
@AdminApi()
export class KeysAdminController {
  constructor(
    private readonly signingKeys: SigningKeysService,
    private readonly rotation: KeyRotationService,
    private readonly events: AuthEvents,
  ) {}

  @Get('signing-keys')
  async list() {
    return { data: await this.signingKeys.list() };
  }

  @Post('signing-keys/rotate')
  @HttpCode(200)
  async rotate(@Req() req: AdminRequest) {
    const r = await this.signingKeys.rotate();
    await this.events.audit(
      'auth.signing_key.rotated',
      actorOf(req),
      { type: 'signing_key', id: r.kid },
      `Token signing key rotated (${r.previousKid ?? 'none'} → ${r.kid})`,
      { ...r },
    );
    return r;
  }

  @Post('keys/rewrap')
  @HttpCode(200)
  rewrap(@Req() req: AdminRequest) {
    return this.rotation.rewrapAll(actorOf(req));
  }
}
