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
      ...(portcullis.demo
        ? [
            `Demo: the built-in Okta simulator at ${portcullis.demo.oktaOrgUrl} is your company IdP and Okta org.`,
            `  Sign in from your AI client as one of (group "${portcullis.demo.group}" may call the read-only Okta tools):`,
            ...portcullis.demo.users.map((d) => `    ${d.login} / ${d.password}   (${d.role})`),
            `  Admin API token: "bootstrapAdminToken" in ${portcullis.demo.secretsFile} (kept out of logs)`,
            '',
          ]
        : []),
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
