/**
 * Readiness reflects real dependencies: each service registers checks for what it needs (database,
 * bus, cache, policy snapshot…). `/healthz` answers while the process runs; `/readyz` only when every
 * check passes and the service is not draining.
 */
export type HealthCheck = () => Promise<boolean | { ok: boolean; detail?: string }>;

export interface HealthReport {
  status: 'ok' | 'unavailable';
  checks: Record<string, { ok: boolean; detail?: string }>;
}

export class HealthRegistry {
  private readonly checks = new Map<string, HealthCheck>();
  private draining = false;

  register(name: string, check: HealthCheck): void {
    this.checks.set(name, check);
  }

  startDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  async readiness(timeoutMs = 2000): Promise<HealthReport> {
    const entries = await Promise.all(
      [...this.checks].map(async ([name, check]) => {
        try {
          const r = await Promise.race([
            check(),
            new Promise<{ ok: boolean; detail: string }>((resolve) =>
              setTimeout(() => resolve({ ok: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs).unref(),
            ),
          ]);
          return [name, typeof r === 'boolean' ? { ok: r } : r] as const;
        } catch (err) {
          return [name, { ok: false, detail: (err as Error).message }] as const;
        }
      }),
    );
    const checks: HealthReport['checks'] = Object.fromEntries(entries);
    if (this.draining) checks['shutdown'] = { ok: false, detail: 'draining for shutdown' };
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'unavailable', checks };
  }
}
