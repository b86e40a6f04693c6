import { processEnv } from '@portcullis/config';
/**
 * Standalone simulator: `node scripts/okta-sim.js` (or `npm run okta-sim`).
 *
 * Env: OKTA_SIM_PORT (default 8090), OKTA_SIM_HOST (default 127.0.0.1), OKTA_SIM_SEED (default 42),
 * OKTA_SIM_SIZE (demo | load | "users,groups,apps"), OKTA_SIM_ISSUER (override org URL),
 * OKTA_SIM_CONTROL_SECRET (secret for /__sim/*; random when unset; "disabled" turns it off).
 */
import { startOktaSim, type OktaSimOptions } from './index';

function parseSize(raw: string | undefined): OktaSimOptions['size'] {
  if (!raw || raw === 'demo') return 'demo';
  if (raw === 'load') return 'load';
  const [users, groups, apps] = raw.split(',').map((n) => Number(n.trim()));
  if (users && groups && apps) return { users, groups, apps };
  throw new Error(`OKTA_SIM_SIZE must be demo, load or "users,groups,apps" (got ${raw})`);
}

async function main(): Promise<void> {
  const env = processEnv();
  const secret = env['OKTA_SIM_CONTROL_SECRET'];
  const started = Date.now();
  const sim = await startOktaSim({
    port: Number(env['OKTA_SIM_PORT'] ?? 8090),
    host: env['OKTA_SIM_HOST'] ?? '127.0.0.1',
    seed: Number(env['OKTA_SIM_SEED'] ?? 42),
    size: parseSize(env['OKTA_SIM_SIZE']),
    issuerUrl: env['OKTA_SIM_ISSUER'] || undefined,
    controlSecret: secret === 'disabled' ? false : secret || undefined,
  });
  const f = sim.fixtures;
  const lines = [
    `Okta simulator ready in ${Date.now() - started} ms`,
    `  org URL / issuer : ${sim.url}`,
    `  discovery        : ${sim.url}/.well-known/openid-configuration`,
    `  org size         : ${sim.org.users.size} users, ${sim.org.groups.size} groups, ${sim.org.apps.size} apps`,
    `  SSWS token       : ${f.ssws}`,
    `  Portcullis app   : client_id=${f.portcullisWebApp.clientId} client_secret=${f.portcullisWebApp.clientSecret}`,
    `                     redirect URIs: ${f.portcullisWebApp.redirectUris.join(', ')}`,
    `                     scopes: openid profile email groups offline_access ${f.portcullisWebApp.grantedScopes.join(' ')}`,
    `  Service app      : client_id=${f.serviceApp.clientId} kid=${f.serviceApp.kid} (private_key_jwt; key regenerated each start)`,
    `  Users (password ${f.superAdmin.password}):`,
    `    super admin     ${f.superAdmin.login}`,
    `    read-only admin ${f.readOnlyAdmin.login}`,
    `    group admin     ${f.groupAdmin.login} (group: ${f.groupAdmin.targetGroupName})`,
    `    org admin       ${f.orgAdmin.login}`,
    `    app admin       ${f.appAdmin.login}`,
    `    help desk admin ${f.helpDeskAdmin.login}`,
    `    regular user    ${f.regularUser.login}`,
    `    not assigned    ${f.unassignedUser.login}`,
    `  Seeded users' password: ${f.seededUserPassword}`,
    secret === 'disabled'
      ? '  Control API      : disabled'
      : `  Control API      : ${sim.url}/__sim/state  (header X-Sim-Control: ${sim.control.secret})`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  const stop = () => {
    sim.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`okta-sim failed to start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
