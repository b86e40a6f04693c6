import { z } from 'zod';

/**
 * Portcullis configuration: each app declares ONE zod schema over environment variables, and this is
 * the only module that reads `process.env`. Loading fails fast with every problem listed, naming the
 * variable, what was wrong, and what is expected, so a misconfigured pod dies at boot with a message
 * an operator can act on.
 */
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly service: string,
    readonly problems: { variable: string; problem: string }[],
  ) {
    super(
      `Portcullis ${service} cannot start: invalid configuration\n` +
        problems.map((p) => `  - ${p.variable}: ${p.problem}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

const secretVariables = new Set<string>();

/** A string variable holding a secret: it is redacted from logs and never echoed in errors. */
export function secret(minLength = 1) {
  return z
    .string({ error: 'is required (a secret)' })
    .min(minLength, { error: `must be at least ${minLength} characters` });
}

export function markSecret(...names: string[]): void {
  for (const n of names) secretVariables.add(n);
}

export function isSecretVariable(name: string): boolean {
  return secretVariables.has(name) || /SECRET|PASSWORD|TOKEN|KEY|KEKS/i.test(name);
}

/** URL with an allowed protocol set, e.g. url(['postgres:', 'postgresql:']). */
export function url(protocols: string[], example: string) {
  return z.string({ error: `is required (e.g. ${example})` }).refine(
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    },
    { error: `must be a ${protocols.join(' or ')} URL, e.g. ${example}` },
  );
}

export function port(defaultPort: number) {
  return z.coerce
    .number({ error: 'must be a port number' })
    .int({ error: 'must be an integer port' })
    .min(0, { error: 'must be between 0 and 65535' })
    .max(65535, { error: 'must be between 0 and 65535' })
    .default(defaultPort);
}

export function bool(defaultValue: boolean) {
  return z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .default(defaultValue ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');
}

export function list(example: string) {
  return z
    .string({ error: `must be a comma-separated list, e.g. ${example}` })
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
}

/**
 * Parses `env` against `schema`. Variables are named by their schema keys. Unknown variables are
 * ignored (the environment holds many things that are not ours).
 */
export function loadConfig<S extends z.ZodObject<z.ZodRawShape>>(
  service: string,
  schema: S,
  env: Env = process.env,
): z.output<S> {
  const input: Record<string, string | undefined> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    input[key] = value === '' ? undefined : value;
  }
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = String(issue.path[0] ?? '(configuration)');
    const received = input[variable];
    let problem = issue.message;
    if (received === undefined && issue.code === 'invalid_type') {
      problem = issue.message.startsWith('is required') ? issue.message : `is required; ${issue.message}`;
    } else if (received !== undefined && !isSecretVariable(variable)) {
      problem = `${problem} (got "${received.length > 80 ? received.slice(0, 80) + '…' : received}")`;
    }
    return { variable, problem };
  });
  throw new ConfigError(service, problems);
}

/** The process environment, for the few places (start-up scripts, test helpers) that pass it on whole. */
export function processEnv(): Env {
  return process.env;
}
