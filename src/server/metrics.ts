// Prometheus metrics of one API server instance. Each instance has its own registry, so two servers in one
// process (tests, `kawa up`) never share or double-register counters.
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class ServerMetrics {
  readonly registry = new Registry();
  /** Argo CD's name and label: `status` is `success` or `failure`. */
  readonly loginRequests = new Counter({
    name: 'argocd_login_request_total',
    help: 'Number of login requests',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });
  /** `route` is the route pattern (`/api/v1/applications/:name`), never the raw URL, to bound cardinality. */
  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Duration of HTTP requests to the API server',
    labelNames: ['method', 'route', 'code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  constructor(options: { processMetrics?: boolean } = {}) {
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }
}
