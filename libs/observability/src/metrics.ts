import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * One Prometheus registry per process (in embedded mode all services share it). Metric names
 * carry the `portcullis_` prefix; the `service` label says which service recorded them.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpRequests: Counter<'service' | 'method' | 'route' | 'status_code'>;
  readonly httpDuration: Histogram<'service' | 'method' | 'route'>;
  readonly eventsPublished: Counter<'service' | 'topic'>;
  readonly eventsConsumed: Counter<'service' | 'topic' | 'group' | 'outcome'>;
  readonly eventsDeadLettered: Counter<'service' | 'topic'>;
  readonly consumerLag: Gauge<'service' | 'topic' | 'group'>;
  readonly up: Gauge<'service'>;
  private readonly metricCache = new Map<string, Counter | Histogram | Gauge>();

  constructor(opts: { defaultMetrics?: boolean } = {}) {
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_' });
    this.httpRequests = this.counter('portcullis_http_requests_total', 'HTTP requests served, by route and status.', [
      'service',
      'method',
      'route',
      'status_code',
    ]);
    this.httpDuration = this.histogram(
      'portcullis_http_request_duration_seconds',
      'HTTP request latency, by route.',
      ['service', 'method', 'route'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
    this.eventsPublished = this.counter('portcullis_events_published_total', 'Events acknowledged by the bus.', [
      'service',
      'topic',
    ]);
    this.eventsConsumed = this.counter('portcullis_events_consumed_total', 'Events handled by consumers.', [
      'service',
      'topic',
      'group',
      'outcome',
    ]);
    this.eventsDeadLettered = this.counter(
      'portcullis_events_dead_lettered_total',
      'Events sent to a dead-letter topic after failing validation or retries.',
      ['service', 'topic'],
    );
    this.consumerLag = this.gauge(
      'portcullis_consumer_lag_seconds',
      'Age of the newest event handled by a consumer group (time from occurrence to handling).',
      ['service', 'topic', 'group'],
    );
    this.up = this.gauge('portcullis_service_up', 'The service is running in this process (1).', ['service']);
  }

  /** Idempotent metric constructors: services in one process may ask for the same metric. */
  counter<L extends string>(name: string, help: string, labelNames: L[]): Counter<L> {
    return this.cached(name, () => new Counter({ name, help, labelNames, registers: [this.registry] })) as Counter<L>;
  }

  histogram<L extends string>(name: string, help: string, labelNames: L[], buckets?: number[]): Histogram<L> {
    return this.cached(
      name,
      () => new Histogram({ name, help, labelNames, registers: [this.registry], ...(buckets ? { buckets } : {}) }),
    ) as Histogram<L>;
  }

  gauge<L extends string>(name: string, help: string, labelNames: L[]): Gauge<L> {
    return this.cached(name, () => new Gauge({ name, help, labelNames, registers: [this.registry] })) as Gauge<L>;
  }

  private cached(name: string, make: () => Counter | Histogram | Gauge): Counter | Histogram | Gauge {
    let m = this.metricCache.get(name);
    if (!m) {
      m = make();
      this.metricCache.set(name, m);
    }
    return m;
  }

  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
