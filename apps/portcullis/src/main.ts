import { ConfigError, processEnv } from '@portcullis/config';
import { startEmbedded } from './embedded';

async function main(): Promise<void> {
  const portcullis = await startEmbedded(processEnv());
  const u = portcullis.url;
  process.stdout.write(
    [
      '',
      'Portcullis is running (embedded mode: one process, embedded database, in-process bus).',
      `  MCP endpoint   ${u}/mcp`,
      `  Admin API      ${u}/api/v1`,
      `  Health         ${u}/healthz   ${u}/readyz`,
      `  Metrics        ${u}/metrics`,
      '',
      'Stop with Ctrl-C. Data is kept in the data directory (PORTCULLIS_DATA_DIR, default ./.portcullis).',
      '',
    ].join('\n'),
  );
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      void portcullis.close().then(() => process.exit(0));
    });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `Portcullis failed to start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
