// The health vocabulary every check speaks. Same six statuses and the same order as Argo CD, so
// `status.health.status` on an Application means what users and their scripts already expect.

/** Every status, healthiest first. An Application takes the worst status of its resources. */
export const HEALTH_ORDER = ['Healthy', 'Suspended', 'Progressing', 'Missing', 'Degraded', 'Unknown'] as const;

export type HealthStatus = (typeof HEALTH_ORDER)[number];

/** Position in {@link HEALTH_ORDER}: higher is worse. */
export function healthRank(status: HealthStatus): number {
  return HEALTH_ORDER.indexOf(status);
}

export function isHealthStatus(value: unknown): value is HealthStatus {
  return HEALTH_ORDER.some((status) => status === value);
}

/** The worst of the given statuses; `Healthy` when there are none (an empty app is healthy). */
export function worstOf(...statuses: readonly HealthStatus[]): HealthStatus {
  let worst: HealthStatus = 'Healthy';
  for (const status of statuses) {
    if (healthRank(status) > healthRank(worst)) worst = status;
  }
  return worst;
}

export interface HealthResult {
  readonly status: HealthStatus;
  /** Human explanation; absent rather than empty. */
  readonly message?: string;
  /**
   * The status to use when rolling up into the Application, when it differs from `status`.
   * Argo CD shows a suspended Job as Suspended but lets it count as Healthy for its app.
   */
  readonly aggregateAs?: HealthStatus;
}

/**
 * What a resource contributes to its Application's health. `undefined` means "no health check":
 * like Argo CD, such a resource counts as Healthy by absence.
 */
export function statusForAggregation(result: HealthResult | undefined): HealthStatus {
  return result?.aggregateAs ?? result?.status ?? 'Healthy';
}

export interface KubeMetadata {
  readonly [key: string]: unknown;
  readonly name?: string;
  readonly namespace?: string;
  readonly generation?: number;
  readonly deletionTimestamp?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
}

/**
 * An object as the API server returns it, unstructured: checks read `spec` and `status` as
 * unknown data and never trust their shape.
 */
export interface KubeObject {
  readonly [key: string]: unknown;
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: KubeMetadata;
  readonly spec?: Readonly<Record<string, unknown>>;
  readonly status?: Readonly<Record<string, unknown>>;
}

/** A health check: `undefined` when it has nothing to say about the object. */
export type HealthCheck = (obj: KubeObject) => HealthResult | undefined;
