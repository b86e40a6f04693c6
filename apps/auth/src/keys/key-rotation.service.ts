import { Inject, Injectable } from '@nestjs/common';
import { EnvelopeCipher } from '@portcullis/crypto';
import { PLATFORM, type Platform } from '@portcullis/runtime';
import { ConnectionRepository } from '../broker/connection.repository';
import { TokenBroker } from '../broker/token-broker.service';
import { UpstreamClientsService } from '../broker/upstream-clients.service';
import { type AuditActor, AuthEvents } from '../common/auth-events';
import { SigningKeysService } from './signing-keys.service';

export interface RewrapReport {
  primaryKeyId: string;
  signingKeys: number;
  upstreamClientSecrets: number;
  connectionTokens: number;
  skippedChangedConcurrently: number;
}

/**
 * Key-encryption-key rotation: after an operator puts a new KEK first in PORTCULLIS_KEKS (keeping
 * the old ones), this re-seals every stored secret under the new one; then the old KEK can be
 * removed from configuration. Idempotent; safe while auth serves traffic.
 */
@Injectable()
export class KeyRotationService {
  constructor(
    private readonly signingKeys: SigningKeysService,
    private readonly upstreamClients: UpstreamClientsService,
    private readonly connections: ConnectionRepository,
    private readonly broker: TokenBroker,
    private readonly cipher: EnvelopeCipher,
    private readonly events: AuthEvents,
    @Inject(PLATFORM) private readonly platform: Platform,
  ) {}

  async rewrapAll(actor: AuditActor): Promise<RewrapReport> {
    const signingKeys = await this.signingKeys.rewrap();
    const upstreamClientSecrets = await this.upstreamClients.rewrap();
    let connectionTokens = 0;
    let skipped = 0;
    for (const c of await this.connections.all(this.platform.tenantId)) {
      const access = c.accessTokenSealed && this.cipher.needsRewrap(c.accessTokenSealed);
      const refresh = c.refreshTokenSealed && this.cipher.needsRewrap(c.refreshTokenSealed);
      if (!access && !refresh) continue;
      const nextAccess = access
        ? this.cipher.rewrap(
            c.accessTokenSealed!,
            this.broker.connectionContext(c.serverId, c.subject, 'access'),
          )
        : c.accessTokenSealed;
      const nextRefresh = refresh
        ? this.cipher.rewrap(
            c.refreshTokenSealed!,
            this.broker.connectionContext(c.serverId, c.subject, 'refresh'),
          )
        : c.refreshTokenSealed;
      // A refresh that wrote the row meanwhile sealed its new tokens under the new key already.
      if (await this.connections.updateSealed(c.id, c.version, nextAccess, nextRefresh))
        connectionTokens += Number(!!access) + Number(!!refresh);
      else skipped++;
    }
    const report = {
      primaryKeyId: this.cipher.primaryKeyId,
      signingKeys,
      upstreamClientSecrets,
      connectionTokens,
      skippedChangedConcurrently: skipped,
    };
    await this.events.audit(
      'auth.keys.rewrapped',
      actor,
      { type: 'key_encryption_key', id: this.cipher.primaryKeyId },
      `Stored secrets re-sealed under key "${this.cipher.primaryKeyId}"`,
      { ...report },
    );
    return report;
  }
}
