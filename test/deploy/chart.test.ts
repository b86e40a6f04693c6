/**
 * Helm chart invariants, checked on the rendered output of every value set in helm/portcullis/ci:
 * what an SRE relies on when they `helm install` (probes, no root, read-only root filesystem,
 * secrets never inlined when they bring their own, pods that roll on config change, migrations
 * before the rollout, traffic limited to the documented flows) and that the services would
 * actually start with the environment the chart gives them.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import {
  chartDir,
  ciValues,
  componentOf,
  configProblems,
  containerEnv,
  platformNeeds,
  ensureTools,
  helm,
  type K8sObject,
  ofKind,
  parseYaml,
  podTemplate,
  render,
  renderText,
  validate,
} from './support';

const SERVICES = ['gateway', 'auth', 'governance', 'discovery', 'audit', 'okta-mcp'];
const VALUE_SETS = readdirSync(path.join(chartDir, 'ci')).filter((f) => f.endsWith('.yaml'));
const minimal = ciValues('minimal-values.yaml');
const production = ciValues('production-values.yaml');
const existing = ciValues('existing-secrets-values.yaml');

/** Services with a database, in the chart's migration order: from their compiled ServiceDefinitions. */
const MIGRATING = ['auth', 'governance', 'discovery', 'audit'].filter((s) => platformNeeds(s)?.database);
const workloads = (objects: K8sObject[]) => [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'Job')];
const deploymentOf = (objects: K8sObject[], component: string) => {
  const d = ofKind(objects, 'Deployment').find((o) => componentOf(o) === component);
  assert.ok(d, `no Deployment for ${component}`);
  return d;
};

before(() => ensureTools(), { timeout: 25 * 60_000 });

describe('every value set in helm/portcullis/ci', () => {
  test('there are value sets for minimal, production and existing-secrets installs', () => {
    for (const f of ['minimal-values.yaml', 'production-values.yaml', 'existing-secrets-values.yaml'])
      assert.ok(VALUE_SETS.includes(f), f);
  });

  for (const file of VALUE_SETS) {
    test(`${file}: helm lint --strict passes and every object is a valid Kubernetes object`, () => {
      const lint = helm(['lint', chartDir, '--strict', '-f', ciValues(file)]);
      assert.equal(lint.status, 0, `helm lint failed:\n${lint.stdout}\n${lint.stderr}`);
      const v = validate(renderText([ciValues(file)]));
      assert.equal(v.status, 0, `k8s-validate rejected the rendered chart:\n${v.stdout}${v.stderr}`);
      assert.match(v.stdout, /object\(s\) valid/);
    });

    test(`${file}: one Deployment and one Service per service, with probes on /healthz and /readyz`, () => {
      const objects = render([ciValues(file)]);
      assert.deepEqual(ofKind(objects, 'Deployment').map(componentOf).sort(), [...SERVICES].sort());
      assert.deepEqual(ofKind(objects, 'Service').map(componentOf).sort(), [...SERVICES].sort());
      for (const d of ofKind(objects, 'Deployment')) {
        const [c] = podTemplate(d).spec.containers;
        assert.ok(c, d.metadata.name);
        assert.deepEqual(c.args, [componentOf(d)], `${d.metadata.name} runs its own service`);
        assert.equal(c.livenessProbe?.httpGet?.path, '/healthz', `${d.metadata.name} liveness`);
        assert.equal(c.readinessProbe?.httpGet?.path, '/readyz', `${d.metadata.name} readiness`);
        assert.equal(c.startupProbe?.httpGet?.path, '/healthz', `${d.metadata.name} startup`);
        const http = c.ports?.find((p) => p.name === 'http');
        assert.ok(http, `${d.metadata.name} declares its http port`);
        assert.equal(c.livenessProbe?.httpGet?.port, 'http');
        assert.ok(
          (c as { resources?: { requests?: unknown } } & typeof c).resources?.requests,
          `${d.metadata.name} has resource requests`,
        );
      }
    });

    test(`${file}: no pod runs as root, every root filesystem is read-only, /tmp is an emptyDir`, () => {
      for (const w of workloads(render([ciValues(file)]))) {
        const pod = podTemplate(w).spec;
        const name = `${w.kind}/${w.metadata.name}`;
        assert.equal(pod.securityContext?.['runAsNonRoot'], true, `${name} pod runAsNonRoot`);
        assert.equal(pod.securityContext?.['runAsUser'], 10001, `${name} pod uid`);
        assert.deepEqual(
          pod.securityContext?.['seccompProfile'],
          { type: 'RuntimeDefault' },
          `${name} seccomp`,
        );
        assert.equal(pod.automountServiceAccountToken, false, `${name} mounts no API token`);
        for (const c of pod.containers) {
          const sc = c.securityContext ?? {};
          assert.equal(sc['runAsNonRoot'], true, `${name} container runAsNonRoot`);
          assert.notEqual(sc['runAsUser'], 0, `${name} container uid`);
          assert.equal(sc['readOnlyRootFilesystem'], true, `${name} readOnlyRootFilesystem`);
          assert.equal(sc['allowPrivilegeEscalation'], false, `${name} allowPrivilegeEscalation`);
          assert.equal(sc['privileged'], false, `${name} privileged`);
          assert.ok(sc.capabilities?.drop?.includes('ALL'), `${name} drops ALL capabilities`);
          const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
          assert.ok(tmp, `${name} mounts /tmp`);
          assert.ok(
            pod.volumes?.find((v) => v.name === tmp.name)?.emptyDir !== undefined,
            `${name} /tmp is an emptyDir`,
          );
        }
      }
    });

    test(`${file}: selectors use only name, instance and component (never version or chart)`, () => {
      const allowed = new Set([
        'app.kubernetes.io/name',
        'app.kubernetes.io/instance',
        'app.kubernetes.io/component',
      ]);
      const objects = render([ciValues(file)]);
      for (const o of [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'PodDisruptionBudget')]) {
        const sel = (o.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels;
        assert.deepEqual(Object.keys(sel).sort(), [...allowed].sort(), `${o.kind}/${o.metadata.name}`);
      }
      for (const s of ofKind(objects, 'Service')) {
        const sel = (s.spec as { selector: Record<string, string> }).selector;
        assert.deepEqual(Object.keys(sel).sort(), [...allowed].sort(), `Service/${s.metadata.name}`);
      }
    });

    test(`${file}: every pod template carries checksum/config and checksum/secret`, () => {
      for (const w of workloads(render([ciValues(file)]))) {
        const a = podTemplate(w).metadata.annotations ?? {};
        assert.match(a['checksum/config'] ?? '', /^[a-f0-9]{64}$/, `${w.metadata.name} checksum/config`);
        assert.match(a['checksum/secret'] ?? '', /^[a-f0-9]{64}$/, `${w.metadata.name} checksum/secret`);
      }
    });

    test(`${file}: every service would start with the environment the chart gives it`, () => {
      const objects = render([ciValues(file)]);
      // Secrets the operator brings (existingSecret) hold well-formed values in this check.
      const external = (_secret: string, key: string) =>
        /url/i.test(key)
          ? 'postgres://portcullis:pw@postgres:5432/portcullis'
          : /keks/i.test(key)
            ? 'ext:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
            : 'external-secret-value-with-at-least-32-characters';
      for (const service of SERVICES) {
        const c = podTemplate(deploymentOf(objects, service)).spec.containers[0]!;
        const env = containerEnv(objects, c, external);
        assert.deepEqual(configProblems(service, env), [], `${service} would refuse to start`);
      }
      const job = ofKind(objects, 'Job')[0]!;
      const env = containerEnv(objects, podTemplate(job).spec.containers[0]!, external);
      for (const service of MIGRATING) {
        assert.deepEqual(
          configProblems(service, env),
          [],
          `the migration Job's environment does not satisfy ${service}`,
        );
      }
    });
  }
});

describe('secrets', () => {
  test('with existingSecret everywhere, no Secret is rendered and no secret value appears anywhere', () => {
    const text = renderText([existing]);
    const values = parseYaml<Record<string, unknown>>(readFileSync(existing, 'utf8'));
    const traps = JSON.stringify(values).match(/TRAP[^"]*/g) ?? [];
    assert.ok(traps.length >= 7, 'the value set plants secret values that must not be rendered');
    for (const t of traps) {
      assert.ok(!text.includes(t), `"${t}" was rendered`);
      assert.ok(
        !text.includes(Buffer.from(t).toString('base64').slice(0, 12)),
        `"${t}" was rendered base64-encoded`,
      );
    }
    const objects = render([existing]);
    assert.deepEqual(ofKind(objects, 'Secret'), []);
    const referenced = new Set<string>();
    for (const w of workloads(objects)) {
      for (const c of podTemplate(w).spec.containers) {
        for (const e of c.env ?? [])
          if (e.valueFrom?.secretKeyRef) referenced.add(e.valueFrom.secretKeyRef.name);
        for (const e of c.env ?? []) {
          assert.ok(
            !/SECRET|PASSWORD|KEKS|TOKEN/.test(e.name) || e.valueFrom,
            `${w.metadata.name}: ${e.name} is inlined`,
          );
        }
      }
    }
    assert.deepEqual([...referenced].sort(), [
      'portcullis-core',
      'portcullis-db',
      'portcullis-kafka',
      'portcullis-redis',
    ]);
  });

  test('chart-managed secrets live in a Secret, never in a ConfigMap or an env value', () => {
    const objects = render([production]);
    const cm = ofKind(objects, 'ConfigMap')[0]!;
    for (const k of Object.keys(cm.data ?? {}))
      assert.ok(!/SECRET|PASSWORD|KEKS|TOKEN|DATABASE_URL|REDIS_URL/.test(k), `ConfigMap holds ${k}`);
    const text = renderText([production]);
    for (const v of [
      'db-password-value',
      'redis-password-value',
      'kafka-sasl-password-value',
      'internal-service-secret-at-least',
      'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    ]) {
      assert.ok(!text.includes(v), `${v} appears in clear text`);
    }
    const secret = ofKind(objects, 'Secret').find((s) => s.metadata.name === 'portcullis')!;
    const dbUrl = Buffer.from(secret.data!['DATABASE_URL']!, 'base64').toString();
    // Special characters of the password are escaped, so the URL still parses.
    assert.equal(decodeURIComponent(new URL(dbUrl).password), 'db-password-value/with@special:chars');
    assert.equal(new URL(dbUrl).searchParams.get('sslmode'), 'verify-full');
  });

  test('each service sees only the secrets it needs', () => {
    const objects = render([production]);
    const names = (component: string) => {
      const w = [...workloads(objects)].find((o) => componentOf(o) === component)!;
      return new Set(
        (podTemplate(w).spec.containers[0]!.env ?? [])
          .filter((e) => e.valueFrom?.secretKeyRef)
          .map((e) => e.name),
      );
    };
    for (const s of [...SERVICES, 'migrate']) {
      const has = names(s);
      assert.ok(has.has('INTERNAL_SERVICE_SECRET'), `${s} INTERNAL_SERVICE_SECRET`);
      assert.equal(has.has('PORTCULLIS_KEKS'), s === 'auth' || s === 'migrate', `${s} PORTCULLIS_KEKS`);
      const needs = s === 'migrate' ? { database: true, cache: true } : platformNeeds(s);
      assert.equal(has.has('DATABASE_URL'), needs?.database ?? false, `${s} DATABASE_URL`);
      assert.equal(has.has('REDIS_URL'), needs?.cache ?? false, `${s} REDIS_URL`);
      assert.equal(has.has('KAFKA_SASL_PASSWORD'), s !== 'okta-mcp', `${s} KAFKA_SASL_PASSWORD`);
    }
  });

  test('pods roll when configuration or a chart-managed secret changes, and only then', () => {
    const checksums = (sets: string[]) =>
      podTemplate(deploymentOf(render([minimal], sets), 'gateway')).metadata.annotations!;
    const base = checksums([]);
    assert.deepEqual(
      checksums(['gateway.replicaCount=5']),
      base,
      'a replica count change does not restart pods',
    );
    const logLevel = checksums(['logLevel=debug']);
    assert.notEqual(logLevel['checksum/config'], base['checksum/config']);
    assert.equal(logLevel['checksum/secret'], base['checksum/secret']);
    const rotated = checksums(['secrets.internalServiceSecret=another-internal-service-secret-of-32-chars']);
    assert.notEqual(rotated['checksum/secret'], base['checksum/secret']);
    assert.equal(rotated['checksum/config'], base['checksum/config']);
  });
});

describe('migrations', () => {
  test('run as a pre-install/pre-upgrade hook with the services image, for every service with a database', () => {
    const objects = render([production]);
    const [job] = ofKind(objects, 'Job');
    assert.ok(job);
    assert.equal(job.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.match(job.metadata.annotations?.['helm.sh/hook-delete-policy'] ?? '', /before-hook-creation/);
    const c = podTemplate(job).spec.containers[0]!;
    assert.deepEqual(c.args, ['migrate', ...MIGRATING]);
    assert.equal(c.image, podTemplate(deploymentOf(objects, 'auth')).spec.containers[0]!.image);
    assert.equal((podTemplate(job).spec as { restartPolicy?: string }).restartPolicy, 'Never');
  });

  test('the Job reads its secrets from a hook Secret created before it (the release Secret does not exist yet)', () => {
    const objects = render([production]);
    const job = ofKind(objects, 'Job')[0]!;
    const hookSecret = ofKind(objects, 'Secret').find((s) => s.metadata.annotations?.['helm.sh/hook'])!;
    assert.ok(hookSecret, 'a hook Secret exists');
    assert.equal(hookSecret.metadata.annotations?.['helm.sh/hook'], 'pre-install,pre-upgrade');
    assert.ok(
      Number(hookSecret.metadata.annotations?.['helm.sh/hook-weight']) <
        Number(job.metadata.annotations?.['helm.sh/hook-weight'] ?? 0),
    );
    assert.match(hookSecret.metadata.annotations?.['helm.sh/hook-delete-policy'] ?? '', /hook-succeeded/);
    const refs = new Set(
      (podTemplate(job).spec.containers[0]!.env ?? []).flatMap((e) =>
        e.valueFrom?.secretKeyRef ? [e.valueFrom.secretKeyRef.name] : [],
      ),
    );
    assert.deepEqual([...refs], [hookSecret.metadata.name]);
    // The Job must not depend on objects created after the hooks (ConfigMap, ServiceAccount).
    assert.equal((podTemplate(job).spec as { serviceAccountName?: string }).serviceAccountName, undefined);
    assert.equal(podTemplate(job).spec.containers[0]!.envFrom, undefined);
  });

  test('can be turned off', () => {
    const objects = render([minimal], ['migrations.enabled=false']);
    assert.deepEqual(ofKind(objects, 'Job'), []);
    assert.equal(ofKind(objects, 'Secret').length, 1);
  });
});

describe('scaling and availability', () => {
  test('HPAs for gateway and auth; their Deployments leave replicas to the HPA', () => {
    const objects = render([production]);
    const hpas = ofKind(objects, 'HorizontalPodAutoscaler');
    assert.deepEqual(hpas.map(componentOf).sort(), ['auth', 'gateway']);
    for (const h of hpas) {
      const spec = h.spec as {
        scaleTargetRef: { kind: string; name: string };
        minReplicas: number;
        maxReplicas: number;
      };
      assert.equal(spec.scaleTargetRef.kind, 'Deployment');
      assert.equal(spec.scaleTargetRef.name, deploymentOf(objects, componentOf(h)).metadata.name);
      assert.equal((deploymentOf(objects, componentOf(h)).spec as { replicas?: number }).replicas, undefined);
    }
    assert.deepEqual(ofKind(render([minimal]), 'HorizontalPodAutoscaler'), []);
  });

  test('a PodDisruptionBudget and topology spread constraints for every service', () => {
    const objects = render([production]);
    assert.deepEqual(ofKind(objects, 'PodDisruptionBudget').map(componentOf).sort(), [...SERVICES].sort());
    for (const d of ofKind(objects, 'Deployment')) {
      const tsc = podTemplate(d).spec.topologySpreadConstraints as { topologyKey: string }[];
      assert.deepEqual(tsc.map((t) => t.topologyKey).sort(), [
        'kubernetes.io/hostname',
        'topology.kubernetes.io/zone',
      ]);
    }
  });
});

describe('traffic', () => {
  interface Peer {
    podSelector?: { matchLabels?: Record<string, string> };
    namespaceSelector?: unknown;
    ipBlock?: unknown;
  }
  interface Rule {
    ports?: { port: number }[];
    from?: Peer[];
    to?: Peer[];
  }
  const policies = () => {
    const objects = render([production]);
    return new Map(
      ofKind(objects, 'NetworkPolicy').map((p) => [
        componentOf(p),
        p.spec as { ingress?: Rule[]; egress?: Rule[]; policyTypes: string[] },
      ]),
    );
  };
  const callers = (rules: Rule[] = []) =>
    new Set(
      rules.flatMap((r) =>
        (r.from ?? [])
          .map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/component'])
          .filter(Boolean),
      ),
    );
  const callees = (rules: Rule[] = []) =>
    new Set(
      rules.flatMap((r) =>
        (r.to ?? []).map((p) => p.podSelector?.matchLabels?.['app.kubernetes.io/component']).filter(Boolean),
      ),
    );
  const egressPorts = (rules: Rule[] = []) =>
    new Set(rules.flatMap((r) => (r.ports ?? []).map((p) => p.port)));

  test('NetworkPolicies allow exactly the documented service-to-service flows', () => {
    const np = policies();
    assert.deepEqual([...np.keys()].sort(), [...SERVICES, 'migrate'].sort());
    for (const [c, p] of np) assert.deepEqual(p.policyTypes, ['Ingress', 'Egress'], c);
    assert.deepEqual([...callers(np.get('auth')!.ingress)].sort(), [
      'audit',
      'discovery',
      'gateway',
      'governance',
    ]);
    assert.deepEqual([...callers(np.get('okta-mcp')!.ingress)].sort(), ['discovery', 'gateway']);
    for (const c of ['gateway', 'governance', 'discovery', 'audit'])
      assert.deepEqual([...callers(np.get(c)!.ingress)], [], `nobody calls ${c} internally`);
    assert.deepEqual([...callees(np.get('gateway')!.egress)].sort(), ['auth', 'okta-mcp']);
    assert.deepEqual([...callees(np.get('discovery')!.egress)].sort(), ['auth', 'okta-mcp']);
    assert.deepEqual([...callees(np.get('governance')!.egress)], ['auth']);
    assert.deepEqual([...callees(np.get('audit')!.egress)], ['auth']);
    assert.deepEqual([...callees(np.get('okta-mcp')!.egress)], []);
    // Backing services and the outside world, by port (production values: Kafka 9096, Redis 6380).
    const ports = (c: string) => egressPorts(np.get(c)!.egress);
    // The gateway calls remote MCP servers over HTTPS; it keeps no state in Redis or PostgreSQL.
    assert.ok(
      !ports('gateway').has(6380) &&
        ports('gateway').has(9096) &&
        !ports('gateway').has(5432) &&
        ports('gateway').has(443),
    );
    assert.ok(ports('auth').has(5432) && ports('auth').has(6380) && ports('auth').has(443));
    assert.ok(
      ports('governance').has(5432) && !ports('governance').has(6380) && !ports('governance').has(443),
    );
    assert.ok(
      ports('discovery').has(443) && ports('discovery').has(5432) === platformNeeds('discovery')!.database,
    );
    assert.ok(ports('audit').has(5432) && !ports('audit').has(443));
    assert.ok(ports('okta-mcp').has(443) && !ports('okta-mcp').has(9096) && !ports('okta-mcp').has(5432));
    assert.ok(ports('migrate').has(5432) && !ports('migrate').has(443));
    assert.deepEqual(np.get('migrate')!.ingress ?? [], [], 'nothing may connect to the migration Job');
  });

  test('only services behind a public route accept traffic from the ingress controller', () => {
    const np = policies();
    const values = parseYaml<{ routes: { service: string }[] }>(
      readFileSync(path.join(chartDir, 'values.yaml'), 'utf8'),
    );
    const routed = new Set(values.routes.map((r) => r.service));
    for (const [c, p] of np) {
      if (c === 'migrate') continue;
      const fromIngress = (p.ingress ?? []).some((r) =>
        (r.from ?? []).some((peer) => JSON.stringify(peer).includes('ingress-nginx')),
      );
      assert.equal(fromIngress, routed.has(c), `${c} public`);
    }
  });

  test('one TLS Ingress host for the public paths; /internal is never routed', () => {
    const objects = render([production]);
    const [ing] = ofKind(objects, 'Ingress');
    assert.ok(ing);
    const spec = ing.spec as {
      tls: { hosts: string[]; secretName: string }[];
      rules: { host: string; http: { paths: { path: string; backend: { service: { name: string } } }[] } }[];
    };
    assert.deepEqual(spec.tls[0]!.hosts, ['mcp.corp.example.com']);
    assert.equal(spec.rules.length, 1);
    const paths = new Map(spec.rules[0]!.http.paths.map((p) => [p.path, p.backend.service.name]));
    for (const [p, svc] of [
      ['/mcp', 'portcullis-gateway'],
      ['/.well-known', 'portcullis-auth'],
      ['/oauth', 'portcullis-auth'],
      ['/auth', 'portcullis-auth'],
      ['/connect', 'portcullis-auth'],
      ['/api', 'portcullis-governance'],
      ['/api/v1/audit', 'portcullis-audit'],
    ]) {
      assert.equal(paths.get(p!), svc, p);
    }
    assert.ok(![...paths.keys()].some((p) => p.startsWith('/internal')));
  });

  test('Gateway API HTTPRoute as the alternative', () => {
    const objects = render([ciValues('httproute-values.yaml')]);
    assert.deepEqual(ofKind(objects, 'Ingress'), []);
    const [route] = ofKind(objects, 'HTTPRoute');
    assert.ok(route);
    const spec = route.spec as { parentRefs: { name: string }[]; hostnames: string[]; rules: unknown[] };
    assert.equal(spec.parentRefs[0]!.name, 'public');
    assert.deepEqual(spec.hostnames, ['mcp.example.com']);
    assert.ok(spec.rules.length >= 6);
  });

  test('the ServiceMonitor scrapes /metrics on every service', () => {
    const [sm] = ofKind(render([production]), 'ServiceMonitor');
    assert.ok(sm);
    const spec = sm.spec as {
      endpoints: { port: string; path: string }[];
      selector: { matchExpressions: { values: string[] }[] };
    };
    assert.deepEqual(
      spec.endpoints.map((e) => [e.port, e.path]),
      [['http', '/metrics']],
    );
    assert.deepEqual([...spec.selector.matchExpressions[0]!.values].sort(), [...SERVICES].sort());
    assert.equal(sm.metadata.labels?.['release'], 'kube-prometheus-stack');
    assert.deepEqual(ofKind(render([minimal]), 'ServiceMonitor'), []);
  });
});

describe('values.schema.json rejects mistakes with a message naming the value', () => {
  const fails = (sets: string[], files = [minimal]) => {
    const r = helm([
      'template',
      'portcullis',
      chartDir,
      ...files.flatMap((f) => ['-f', f]),
      ...sets.flatMap((s) => ['--set', s]),
    ]);
    assert.notEqual(r.status, 0, `helm template accepted ${sets.join(' ')}`);
    return r.stderr;
  };
  test('wrong types and enums', () => {
    assert.match(fails(['gateway.replicaCount=two']), /\/gateway\/replicaCount.*want integer/);
    assert.match(fails(['logLevel=verbose']), /\/logLevel/);
    assert.match(fails(['image.pullPolicy=Sometimes']), /\/image\/pullPolicy/);
    assert.match(fails(['kafka.sasl.mechanism=gssapi']), /\/kafka\/sasl\/mechanism/);
    assert.match(fails(['networkPolicy.enabled=yes']), /\/networkPolicy\/enabled.*want boolean/);
    assert.match(fails(['routes[0].service=okta-sim', 'routes[0].path=/x']), /\/routes\/0\/service/);
  });
  test('publicUrl is required and must be an origin', () => {
    assert.match(fails(['publicUrl=']), /\/publicUrl/);
    assert.match(fails(['publicUrl=mcp.example.com']), /\/publicUrl/);
    assert.match(fails(['publicUrl=https://mcp.example.com/portcullis']), /\/publicUrl/);
  });
  test('required secrets when no existingSecret is given', () => {
    assert.match(fails(['secrets.internalServiceSecret=']), /\/secrets\/internalServiceSecret/);
    assert.match(fails(['secrets.internalServiceSecret=too-short']), /\/secrets\/internalServiceSecret.*32/);
    assert.match(fails(['secrets.keks=']), /\/secrets\/keks/);
    assert.match(fails(['secrets.keks=kek1:not-32-bytes']), /\/secrets\/keks/);
    assert.match(fails(['idp.clientSecret=']), /\/idp\/clientSecret/);
    assert.match(fails(['externalDatabase.password=']), /\/externalDatabase\/password/);
    assert.match(fails(['kafka.sasl.mechanism=plain']), /\/kafka\/sasl\/(username|password)/);
    assert.match(fails(['secrets.bootstrapAdminToken=short']), /\/secrets\/bootstrapAdminToken/);
  });
  test('the same values pass once the secrets come from an existingSecret', () => {
    const objects = render(
      [minimal],
      ['secrets.internalServiceSecret=', 'secrets.keks=', 'idp.clientSecret=', 'secrets.existingSecret=mine'],
    );
    assert.equal(ofKind(objects, 'Deployment').length, 6);
  });
  test('backing services are required', () => {
    assert.match(fails(['kafka.brokers=null']), /\/kafka.*brokers/);
    assert.match(fails(['externalRedis.host=']), /\/externalRedis\/host/);
    assert.match(fails(['externalDatabase.host=']), /\/externalDatabase\/host/);
    assert.match(fails(['httpRoute.enabled=true']), /\/httpRoute\/parentRefs/);
  });
});

describe('the offline validator itself', () => {
  const deployment = (extra: string) => `apiVersion: apps/v1
kind: Deployment
metadata: { name: x }
spec:
  selector: { matchLabels: { app: x } }
  template:
    metadata: { labels: { app: x } }
    spec:
      containers:
        - name: x
          image: x:1
${extra}`;
  test('accepts a valid object', () => {
    assert.equal(validate(deployment('')).status, 0);
  });
  test('rejects unknown fields, wrong types, broken selectors and dangling references', () => {
    const cases: [string, RegExp][] = [
      [deployment('          imagePullPolice: Always\n'), /unknown field/],
      [deployment('          ports: [{ containerPort: "http" }]\n'), /cannot unmarshal|invalid/i],
      [
        deployment('').replace('labels: { app: x }', 'labels: { app: other }'),
        /does not match the pod template labels/,
      ],
      [deployment('          volumeMounts: [{ name: tmp, mountPath: /tmp }]\n'), /refers to no volume/],
      [
        deployment('          livenessProbe: { httpGet: { path: /healthz, port: http } }\n'),
        /does not declare/,
      ],
      ['apiVersion: v1\nkind: Widget\nmetadata: { name: x }\n', /no kind "Widget"|not registered/],
    ];
    for (const [manifest, message] of cases) {
      const r = validate(manifest);
      assert.notEqual(r.status, 0, manifest);
      assert.match(r.stdout + r.stderr, message);
    }
  });
});

describe('NOTES.txt', () => {
  test('tells the admin the MCP URL and the next steps', () => {
    // helm renders NOTES only on install against a cluster: render it through tpl in a copy of the chart.
    const dir = mkdtempSync(path.join(tmpdir(), 'portcullis-notes-'));
    try {
      cpSync(chartDir, dir, { recursive: true });
      cpSync(path.join(chartDir, 'templates', 'NOTES.txt'), path.join(dir, 'notes.txt'));
      writeFileSync(
        path.join(dir, 'templates', 'zz-notes.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: |\n{{ tpl (.Files.Get "notes.txt") . | indent 4 }}\n',
      );
      const r = helm([
        'template',
        'portcullis',
        dir,
        '--namespace',
        'portcullis',
        '-f',
        minimal,
        '--show-only',
        'templates/zz-notes.yaml',
      ]);
      assert.equal(r.status, 0, r.stderr);
      const notes = parseYaml<{ data: { notes: string } }>(r.stdout).data.notes;
      assert.match(notes, /https:\/\/mcp\.example\.com\/mcp/);
      assert.match(notes, /kubectl -n portcullis logs job\/portcullis-migrate/);
      assert.match(notes, /port-forward svc\/portcullis-gateway/, 'without ingress, says how to reach it');
      assert.match(notes, /Rotate keys/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('values.yaml documentation', () => {
  test('every value has a ## @param line', () => {
    const text = readFileSync(path.join(chartDir, 'values.yaml'), 'utf8');
    const documented = new Set(
      [...text.matchAll(/^## @param (\S+)/gm)].map((m) => m[1]!.replace(/\[\d+\]/g, '')),
    );
    const values = parseYaml<Record<string, unknown>>(text);
    const missing: string[] = [];
    const walk = (v: unknown, key: string) => {
      if (documented.has(key)) return;
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length > 0) {
        for (const [k, child] of Object.entries(v)) walk(child, key ? `${key}.${k}` : k);
      } else {
        missing.push(key);
      }
    };
    walk(values, '');
    assert.deepEqual(missing, [], 'values without a ## @param line');
  });
});
