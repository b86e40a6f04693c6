import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Prometheus metrics for one server instance (own registry, so several instances in one process —
 * tests, the embedded mode — never collide). Label values are bounded: `tool` comes from the
 * catalog, `outcome` from a fixed set, Okta calls are labelled by method and status class only
 * (paths carry ids).
 */
export type ToolOutcome =
  | 'success'
  | 'confirmation_required'
  | 'elicitation_requested'
  | 'cancelled'
  | 'confirmation_invalid'
  | 'invalid_arguments'
  | 'no_credential'
  | 'org_not_allowed'
  | 'refused'
  | 'internal_error'
  | 'aborted'
  | `okta_${string}`;

export class OktaMcpMetrics {
  readonly registry = new Registry();
  readonly toolCalls: Counter<'tool' | 'outcome'>;
  readonly toolDuration: Histogram<'tool'>;
  readonly oktaRequests: Counter<'method' | 'status_class'>;
  readonly oktaDuration: Histogram<'method'>;
  readonly httpRequests: Counter<'route' | 'status'>;

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'portcullis_okta_mcp_' });
    this.toolCalls = new Counter({
      name: 'portcullis_okta_mcp_tool_calls_total',
      help: 'Okta MCP tool calls by tool and outcome.',
      labelNames: ['tool', 'outcome'],
      registers: [this.registry],
    });
    this.toolDuration = new Histogram({
      name: 'portcullis_okta_mcp_tool_duration_seconds',
      help: 'Okta MCP tool call duration (including Okta round trips).',
      labelNames: ['tool'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.oktaRequests = new Counter({
      name: 'portcullis_okta_mcp_okta_requests_total',
      help: 'HTTP requests made to Okta, by method and status class.',
      labelNames: ['method', 'status_class'],
      registers: [this.registry],
    });
    this.oktaDuration = new Histogram({
      name: 'portcullis_okta_mcp_okta_request_duration_seconds',
      help: 'Duration of HTTP requests to Okta.',
      labelNames: ['method'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    this.httpRequests = new Counter({
      name: 'portcullis_okta_mcp_http_requests_total',
      help: 'HTTP requests served, by route and status.',
      labelNames: ['route', 'status'],
      registers: [this.registry],
    });
  }

  toolCall(tool: string, outcome: ToolOutcome, seconds?: number): void {
    this.toolCalls.inc({ tool, outcome });
    if (seconds !== undefined) this.toolDuration.observe({ tool }, seconds);
  }
}
