import type { Provider } from '@nestjs/common';
import type { Env } from '@portcullis/config';
import { EnvelopeCipher, parseKeyEncryptionKeys } from '@portcullis/crypto';
import { ENV } from '@portcullis/runtime';
import { AUTH_CONFIG, type AuthConfig, loadAuthConfig } from '../auth.config';

export const configProviders: Provider[] = [
  { provide: AUTH_CONFIG, useFactory: (env: Env) => loadAuthConfig(env), inject: [ENV] },
  {
    provide: EnvelopeCipher,
    useFactory: (cfg: AuthConfig) => new EnvelopeCipher(parseKeyEncryptionKeys(cfg.PORTCULLIS_KEKS)),
    inject: [AUTH_CONFIG],
  },
];
