/**
 * Child-process entry points for benchmarks, selected by argv[2]:
 *   echo-upstream <toolCount> <port>      a local MCP server built on the official SDK
 *   raw-echo-upstream <toolCount> <port>  the same tools, hand-written: the fast upstream
 *   gateway-embedded                      the gateway over the in-process bus and memory cache
 * (The distributed gateway is the production entry, dist/apps/gateway/src/main.js.)
 * Each prints "READY <url>" on stdout when it serves.
 */
import { processEnv } from '@portcullis/config';
import { gatewayService } from '@portcullis/gateway';
import { buildInProcessPlatform, createServiceApp } from '@portcullis/runtime';
import { startEchoUpstream, startRawEchoUpstream } from './echo-upstream';

async function main(): Promise<void> {
  // Exit normally on signals so --cpu-prof profiles get written.
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => process.exit(0));
  const [, , what, a, b] = process.argv;
  if (what === 'echo-upstream') {
    const up = await startEchoUpstream({ toolCount: Number(a ?? 1), port: Number(b ?? 0) });
    process.stdout.write(`READY ${up.url}\n`);
    return;
  }
  if (what === 'raw-echo-upstream') {
    const up = await startRawEchoUpstream({ toolCount: Number(a ?? 1), port: Number(b ?? 0) });
    process.stdout.write(`READY ${up.url}\n`);
    return;
  }
  if (what === 'gateway-embedded') {
    const env = processEnv();
    const platform = buildInProcessPlatform({ tenantId: env['PORTCULLIS_TENANT_ID'] ?? 'default', service: 'gateway', logLevel: 'warn' });
    const app = await createServiceApp({ platform, env, modules: [gatewayService.module], services: [gatewayService], label: 'gateway' });
    await app.listen(Number(env['PORT'] ?? 0), '127.0.0.1');
    process.stdout.write(`READY http://127.0.0.1:${env['PORT']}\n`);
    return;
  }
  throw new Error(`unknown process "${what}"`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
