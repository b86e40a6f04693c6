import { ConfigError, processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { loadAuthConfig } from './auth.config';
import { authService } from './auth.module';
import { AUTH_COMMANDS, type AuthCommand, runAuthCommand } from './commands';

const argv = process.argv.slice(2);
const command = argv[0];
const env = processEnv();

function failOnConfig(err: unknown): never {
  process.stderr.write(
    err instanceof ConfigError
      ? `${err.message}\n`
      : `auth${command ? ` ${command}` : ''} failed: ${(err as Error).stack ?? String(err)}\n`,
  );
  process.exit(1);
}

if (command && (AUTH_COMMANDS as readonly string[]).includes(command)) {
  runAuthCommand(command as AuthCommand, env)
    .then((report) => {
      process.stdout.write(`${JSON.stringify({ command, ...report })}\n`);
      process.exit(0);
    })
    .catch(failOnConfig);
} else {
  // Serving needs the whole auth configuration: check it before connecting to anything.
  if (command !== 'migrate') {
    try {
      loadAuthConfig(env);
    } catch (err) {
      failOnConfig(err);
    }
  }
  runService(authService, argv, env).catch(() => process.exit(1));
}
