import { Module } from '@nestjs/common';
import type { PersistenceFeature } from '@portcullis/persistence';
import type { ServiceDefinition } from '@portcullis/runtime';
import { AdminTokenRepository } from './admin-tokens/admin-token.repository';
import { AdminTokensController } from './admin-tokens/admin-tokens.controller';
import { AdminTokensService } from './admin-tokens/admin-tokens.service';
import { AuthorizeController } from './authorize/authorize.controller';
import { ConnectController } from './broker/connect.controller';
import { ConnectionRepository } from './broker/connection.repository';
import { ConnectionsAdminController, MyConnectionsController } from './broker/connections.controller';
import { ConnectionsService } from './broker/connections.service';
import { TokenBroker } from './broker/token-broker.service';
import { UpstreamClientRepository } from './broker/upstream-client.repository';
import {
  UpstreamClientsAdminController,
  UpstreamClientsInternalController,
} from './broker/upstream-clients.controller';
import { UpstreamClientsService } from './broker/upstream-clients.service';
import { UpstreamTokenController } from './broker/upstream-token.controller';
import { AiClientsService } from './clients/ai-clients.service';
import { ClientRegistry } from './clients/client-registry.service';
import { ClientRepository } from './clients/client.repository';
import { ClientsAdminController } from './clients/clients.admin.controller';
import { RegistrationController } from './clients/registration.controller';
import { RegistrationSettingsRepository } from './clients/registration-settings.repository';
import { ServiceClientsService } from './clients/service-clients.service';
import { AuthEvents } from './common/auth-events';
import { MaintenanceService } from './common/maintenance.service';
import { configProviders } from './common/providers';
import { IdpController } from './idp/idp.controller';
import { BrowserSignIn } from './idp/browser-sign-in.service';
import { IdpService } from './idp/idp.service';
import { IntrospectionController } from './internal/introspection.controller';
import { IntrospectionService } from './internal/introspection.service';
import { AuthAdminGuard } from './internal/auth-admin.guard';
import { ServiceTokenGuard } from './internal/service-token.guard';
import { JwksController } from './keys/jwks.controller';
import { KeyRotationService } from './keys/key-rotation.service';
import { KeysAdminController } from './keys/keys.admin.controller';
import { SigningKeyRepository } from './keys/signing-key.repository';
import { SigningKeysService } from './keys/signing-keys.service';
import { MetadataController } from './metadata/metadata.controller';
import { AuthInitial1764500000200 } from './migrations/1764500000200-auth-initial';
import { FlowStateRepository } from './sessions/flow-state.repository';
import { SessionRepository } from './sessions/session.repository';
import { SessionService } from './sessions/session.service';
import { AccessTokenService } from './tokens/access-token.service';
import { ClientAuthentication } from './tokens/client-authentication';
import { RevocationService } from './tokens/revocation.service';
import { TokenController } from './tokens/token.controller';
import { TokenRepository } from './tokens/token.repository';
import { TokenService } from './tokens/token.service';
import { UserTokenGuard } from './tokens/user-token.guard';
import { UserRepository } from './users/user.repository';

export const authPersistence: PersistenceFeature = {
  service: 'auth',
  schema: 'auth',
  entities: [],
  migrations: [AuthInitial1764500000200],
};

/**
 * auth: the OAuth 2.1 authorization server for AI clients, and the token broker for upstream
 * credentials. Feature folders: metadata, clients, authorize, tokens, keys, sessions, idp, users,
 * admin-tokens, broker, internal.
 */
@Module({
  controllers: [
    MetadataController,
    JwksController,
    RegistrationController,
    AuthorizeController,
    IdpController,
    TokenController,
    IntrospectionController,
    AdminTokensController,
    ClientsAdminController,
    KeysAdminController,
    UpstreamClientsInternalController,
    UpstreamClientsAdminController,
    UpstreamTokenController,
    ConnectController,
    MyConnectionsController,
    ConnectionsAdminController,
  ],
  providers: [
    ...configProviders,
    AuthEvents,
    MaintenanceService,
    // persistence
    SigningKeyRepository,
    UserRepository,
    SessionRepository,
    FlowStateRepository,
    ClientRepository,
    RegistrationSettingsRepository,
    TokenRepository,
    AdminTokenRepository,
    UpstreamClientRepository,
    ConnectionRepository,
    // services
    SigningKeysService,
    KeyRotationService,
    SessionService,
    IdpService,
    BrowserSignIn,
    ClientRegistry,
    AiClientsService,
    ServiceClientsService,
    AccessTokenService,
    ClientAuthentication,
    TokenService,
    RevocationService,
    AdminTokensService,
    IntrospectionService,
    UpstreamClientsService,
    TokenBroker,
    ConnectionsService,
    // guards
    ServiceTokenGuard,
    UserTokenGuard,
    AuthAdminGuard,
  ],
  exports: [SigningKeysService, KeyRotationService],
})
export class AuthModule {}

export const authService: ServiceDefinition = {
  name: 'auth',
  module: AuthModule,
  features: [authPersistence],
  needs: { database: true, cache: true },
  defaultPort: 8081,
};
