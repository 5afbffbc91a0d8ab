// Routes anyone may call: the version, liveness, Prometheus metrics. The OpenAPI document and Swagger UI
// are registered in app.ts.
import { z } from 'zod';
import { KAWA_VERSION } from '../../version.js';
import { answers, healthQuerySchema, versionMessageSchema } from '../schemas.js';
import type { RouteDeps, ZodApp } from './types.js';

export function systemRoutes(app: ZodApp, deps: RouteDeps): void {
  app.route({
    method: 'GET',
    url: '/api/version',
    schema: {
      tags: ['VersionService'],
      operationId: 'VersionService_Version',
      summary: 'Version returns version information of the API server',
      security: [],
      response: answers(versionMessageSchema),
    },
    config: { auth: { kind: 'public' } },
    // Anonymous callers learn the version only; build details are for signed-in users (as Argo CD does).
    handler: (request) => {
      const Version = `v${KAWA_VERSION}`;
      if (request.caller === undefined) return { Version };
      return {
        Version,
        BuildDate: '',
        GitCommit: '',
        GitTag: '',
        GitTreeState: '',
        GoVersion: '',
        Compiler: 'node',
        Platform: `${process.platform}/${process.arch}`,
        ExtraBuildInfo: `kawa on Node.js ${process.version}`,
      };
    },
  });

  app.route({
    method: 'GET',
    url: '/healthz',
    schema: {
      tags: ['Health'],
      summary: 'Liveness; with full=true also checks that the Kubernetes API answers',
      security: [],
      querystring: healthQuerySchema,
      response: { 200: z.string(), 503: z.string() },
    },
    config: { auth: { kind: 'public' } },
    handler: async (request, reply) => {
      reply.type('text/plain; charset=utf-8');
      if (request.query.full === true) {
        try {
          await deps.probeKube();
        } catch (err) {
          request.log.warn({ err }, 'health check: the Kubernetes API does not answer');
          return reply.code(503).send('the Kubernetes API does not answer');
        }
      }
      return 'ok';
    },
  });

  app.route({
    method: 'GET',
    url: '/metrics',
    schema: { tags: ['Metrics'], summary: 'Prometheus metrics', security: [], response: { 200: z.string() } },
    config: { auth: { kind: 'public' } },
    handler: async (_request, reply) => {
      reply.type(deps.metrics.registry.contentType);
      return deps.metrics.registry.metrics();
    },
  });
}
