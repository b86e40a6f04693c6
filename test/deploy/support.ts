/**
 * Shared helpers of the deployment tests: the repository root, the cached helm and validator
 * binaries (built once by scripts/chart-test.sh), rendering the chart, parsing YAML, and checking an
 * environment against the services' own configuration schemas (loaded from the compiled dist/).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const root = findRoot(__dirname);
export const chartDir = path.join(root, 'helm', 'portcullis');

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'portcullis')
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Portcullis package.json above ${from}`);
  }
}

// ---------------------------------------------------------------------------------------------- YAML

interface YamlDocument {
  toJSON(): unknown;
  errors: unknown[];
}
interface YamlModule {
  parse(text: string, options?: Record<string, unknown>): unknown;
  parseAllDocuments(text: string, options?: Record<string, unknown>): YamlDocument[];
}
// The `yaml` package (1.x and 2.x share this API). Loaded at run time so either major version works.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const yaml = require('yaml') as YamlModule;

export function parseYaml<T = unknown>(text: string): T {
  return yaml.parse(text, { merge: true }) as T;
}

/** Every non-empty document of a multi-document YAML stream; throws on a syntax error. */
export function parseYamlDocuments<T = unknown>(text: string): T[] {
  const out: T[] = [];
  for (const doc of yaml.parseAllDocuments(text, { merge: true })) {
    if (doc.errors.length) throw new Error(`invalid YAML: ${String(doc.errors[0])}`);
    const value = doc.toJSON();
    if (value !== null && value !== undefined) out.push(value as T);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------- tools

export interface Tools {
  helm: string;
  validator: string;
}

let tools: Tools | undefined;

/**
 * helm and k8s-validate, built and cached by `scripts/chart-test.sh tools` (minutes the first time
 * on a machine, then instant). HELM_BIN / K8S_VALIDATE_BIN override.
 */
export function ensureTools(): Tools {
  if (tools) return tools;
  const out = execFileSync('bash', [path.join(root, 'scripts', 'chart-test.sh'), 'tools'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 25 * 60_000,
  });
  const get = (name: string) => {
    const m = new RegExp(`^${name}=(.+)$`, 'm').exec(out);
    if (!m) throw new Error(`chart-test.sh tools printed no ${name}:\n${out}`);
    return m[1]!.trim();
  };
  tools = { helm: get('HELM_BIN'), validator: get('K8S_VALIDATE_BIN') };
  return tools;
}

// ---------------------------------------------------------------------------------------------- chart

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  [key: string]: unknown;
}

export interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  livenessProbe?: { httpGet?: { path: string; port: string | number } };
  readinessProbe?: { httpGet?: { path: string; port: string | number } };
  startupProbe?: { httpGet?: { path: string; port: string | number } };
  securityContext?: Record<string, unknown> & { capabilities?: { drop?: string[] } };
  volumeMounts?: { name: string; mountPath: string }[];
}

export interface PodTemplate {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec: {
    containers: Container[];
    securityContext?: Record<string, unknown>;
    volumes?: { name: string; emptyDir?: unknown; secret?: unknown }[];
    topologySpreadConstraints?: unknown[];
    automountServiceAccountToken?: boolean;
  };
}

export const ciValues = (name: string) => path.join(chartDir, 'ci', name);

export interface RenderResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function helm(args: string[]): RenderResult {
  const r = spawnSync(ensureTools().helm, args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** `helm template` with value files and --set pairs; throws with helm's message on failure. */
const rendered = new Map<string, string>();

export function renderText(valueFiles: string[], sets: string[] = []): string {
  const key = JSON.stringify([valueFiles, sets]);
  const cached = rendered.get(key);
  if (cached !== undefined) return cached;
  const r = helm([
    'template',
    'portcullis',
    chartDir,
    '--namespace',
    'portcullis',
    ...valueFiles.flatMap((f) => ['-f', f]),
    ...sets.flatMap((s) => ['--set', s]),
  ]);
  if (r.status !== 0) throw new Error(`helm template failed:\n${r.stderr}`);
  rendered.set(key, r.stdout);
  return r.stdout;
}

export function render(valueFiles: string[], sets: string[] = []): K8sObject[] {
  return parseYamlDocuments<K8sObject>(renderText(valueFiles, sets));
}

export function validate(manifests: string): RenderResult {
  const r = spawnSync(ensureTools().validator, [], { input: manifests, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const ofKind = (objects: K8sObject[], kind: string) => objects.filter((o) => o.kind === kind);

export function podTemplate(o: K8sObject): PodTemplate {
  return (o.spec as { template: PodTemplate }).template;
}

export function componentOf(o: { metadata: { labels?: Record<string, string> } }): string {
  return o.metadata.labels?.['app.kubernetes.io/component'] ?? '';
}

/**
 * The environment a container would see: ConfigMap envFrom, then env (values, secretKeyRef from
 * the rendered Secrets, $(VAR) expansion as the kubelet does). Secrets that are not rendered
 * (existingSecret) resolve to `external` when given, else stay undefined.
 */
export function containerEnv(
  objects: K8sObject[],
  c: Container,
  external?: (secret: string, key: string) => string,
): Record<string, string> {
  const env: Record<string, string> = {};
  const configMaps = new Map(ofKind(objects, 'ConfigMap').map((cm) => [cm.metadata.name, cm.data ?? {}]));
  const secrets = new Map(ofKind(objects, 'Secret').map((s) => [s.metadata.name, s.data ?? {}]));
  for (const from of c.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, configMaps.get(from.configMapRef.name) ?? {});
  }
  for (const e of c.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (ref) {
      const data = secrets.get(ref.name);
      if (data && data[ref.key] !== undefined)
        env[e.name] = Buffer.from(data[ref.key]!, 'base64').toString('utf8');
      else if (external) env[e.name] = external(ref.name, ref.key);
    } else if (e.value !== undefined) {
      env[e.name] = e.value.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, v: string) => env[v] ?? m);
    }
  }
  return env;
}

// ---------------------------------------------------------------------------------------------- service configuration

type Loader = (env: Record<string, string | undefined>) => unknown;

/** The compiled configuration loaders of every service (the code that decides which variables exist). */
const CONFIG_MODULES: Record<string, string[]> = {
  gateway: ['dist/apps/gateway/src/gateway.config.js'],
  auth: ['dist/apps/auth/src/auth.config.js'],
  governance: ['dist/apps/governance/src/config.js', 'dist/apps/governance/src/governance.config.js'],
  discovery: ['dist/apps/discovery/src/config.js', 'dist/apps/discovery/src/discovery.config.js'],
  audit: ['dist/apps/audit/src/audit.config.js', 'dist/apps/audit/src/config.js'],
  'okta-mcp': ['dist/apps/okta-mcp/src/config.js'],
};

/** What a Nest service needs from the platform, read from its compiled ServiceDefinition (apps/<app>/src/<app>.module.ts). */
export function platformNeeds(service: string): { database: boolean; cache: boolean } | undefined {
  if (service === 'okta-mcp') return undefined; // plain Node HTTP server, no platform
  const file = path.join(root, 'dist', 'apps', service, 'src', `${service}.module.js`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('reflect-metadata');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Record<
    string,
    { name?: string; needs?: { database: boolean; cache: boolean } }
  >;
  const def = Object.values(mod).find((v) => v && typeof v === 'object' && v.name === service && v.needs);
  if (!def) throw new Error(`${file} exports no ServiceDefinition named ${service}`);
  return def.needs;
}

function configLoaders(service: string): Loader[] {
  const file = CONFIG_MODULES[service]!.map((f) => path.join(root, f)).find((f) => existsSync(f));
  if (!file)
    throw new Error(
      `no compiled configuration module for ${service} (looked for ${CONFIG_MODULES[service]!.join(', ')}); run npm run build`,
    );
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const mod = require(file) as Record<string, unknown>;
  const loaders = Object.entries(mod)
    .filter(([name, fn]) => /^load[A-Za-z]*Config$/.test(name) && typeof fn === 'function')
    .map(([, fn]) => fn as Loader);
  if (loaders.length === 0) throw new Error(`${file} exports no load*Config function`);
  return loaders;
}

/**
 * Runs the service's own configuration validation (and the platform's, for Nest services) over
 * `env`. Returns the problems (empty when the service would start).
 */
export function configProblems(service: string, env: Record<string, string>): string[] {
  const problems: string[] = [];
  const run = (fn: () => unknown) => {
    try {
      fn();
    } catch (err) {
      problems.push((err as Error).message);
    }
  };
  for (const load of configLoaders(service)) run(() => load({ ...env }));
  const needs = platformNeeds(service);
  if (needs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const platform = require(path.join(root, 'dist/libs/runtime/src/platform-config.js')) as {
      loadPlatformConfig: (
        s: string,
        n: { database: boolean; cache: boolean },
        e: Record<string, string>,
      ) => unknown;
    };
    run(() => platform.loadPlatformConfig(service, needs, { ...env }));
  }
  return problems;
}
