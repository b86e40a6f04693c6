import type { Env } from '@portcullis/config';
import {
  buildDistributedPlatform,
  closePlatform,
  createServiceApp,
  loadPlatformConfig,
} from '@portcullis/runtime';
import { authService } from './auth.module';
import { KeyRotationService } from './keys/key-rotation.service';
import { SigningKeysService } from './keys/signing-keys.service';

export const AUTH_COMMANDS = ['rotate-keys', 'rotate-signing-key'] as const;
export type AuthCommand = (typeof AUTH_COMMANDS)[number];

/**
 * One-shot maintenance commands, run with the service's own configuration:
 *   node dist/apps/auth/src/main.js rotate-keys          re-seal every stored secret under the newest KEK
 *   node dist/apps/auth/src/main.js rotate-signing-key   start signing tokens with a new key (old one stays published until its tokens expire)
 */
export async function runAuthCommand(command: AuthCommand, env: Env): Promise<Record<string, unknown>> {
  const config = loadPlatformConfig('auth', authService.needs, env);
  const platform = await buildDistributedPlatform({
    service: 'auth',
    config,
    features: authService.features,
    migrate: true,
  });
  const app = await createServiceApp({
    platform,
    env,
    modules: [authService.module],
    services: [authService],
    label: 'auth',
  });
  try {
    await app.init();
    if (command === 'rotate-keys') {
      return { ...(await app.get(KeyRotationService).rewrapAll({ type: 'system', id: 'auth:rotate-keys' })) };
    }
    const r = await app.get(SigningKeysService).rotate();
    return { ...r };
  } finally {
    await app.close();
    await closePlatform(platform);
  }
}
