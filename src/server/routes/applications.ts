// /api/v1/applications (Argo CD's ApplicationService): thin handlers over ApplicationService.
import type { z } from 'zod';
import { actorOf } from '../guard.js';
import { invalidArgument } from '../http-errors.js';
import {
  answers,
  appScopeQuerySchema,
  applicationListSchema,
  applicationPatchRequestSchema,
  applicationQuerySchema,
  applicationResponseSchema,
  applicationRollbackRequestSchema,
  applicationSpecResponseSchema,
  applicationSpecWriteSchema,
  applicationSyncRequestSchema,
  applicationWriteSchema,
  createQuerySchema,
  deleteQuerySchema,
  emptySchema,
  nameParamsSchema,
  updateQuerySchema,
} from '../schemas.js';
import { PreSerialized, jsonOf } from '../services/app-cache.js';
import { listMetadata, passThrough, type RouteDeps, type ZodApp } from './types.js';

const tags = ['ApplicationService'];
type AppResponse = z.output<typeof applicationResponseSchema>;

export function applicationRoutes(app: ZodApp, deps: RouteDeps): void {
  const apps = deps.applications;
  const appResponse = answers(applicationResponseSchema);

  app.route({
    method: 'GET',
    url: '/api/v1/applications',
    schema: { tags, operationId: 'ApplicationService_List', summary: 'List returns list of applications', querystring: applicationQuerySchema, response: answers(applicationListSchema) },
    config: { auth: { kind: 'filtered', resource: 'applications', action: 'get' } },
    handler: async (request) => {
      const q = request.query;
      const list = await apps.list(actorOf(request, deps.rbac), {
        name: q.name,
        projects: projectsOf(q),
        selector: q.selector,
        repo: q.repo,
        appNamespace: q.appNamespace,
      });
      const metadata = listMetadata(list);
      const answer = { metadata, items: passThrough<AppResponse[]>(list.items) };
      // Each app's JSON is made once per version of it (see PreSerialized).
      return passThrough<typeof answer>(new PreSerialized(answer, () => `{"metadata":${JSON.stringify(metadata)},"items":[${list.items.map(jsonOf).join(',')}]}`));
    },
  });

  app.route({
    method: 'GET',
    url: '/api/v1/applications/:name',
    schema: {
      tags,
      operationId: 'ApplicationService_Get',
      summary: 'Get returns an application by name',
      params: nameParamsSchema,
      querystring: applicationQuerySchema,
      response: appResponse,
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'get' } },
    handler: async (request) => {
      const q = request.query;
      const projects = projectsOf(q);
      if (projects.length > 1) throw invalidArgument('multiple projects specified - the get endpoint accepts either zero or one project');
      return passThrough<AppResponse>(await apps.get(actorOf(request, deps.rbac), request.params.name, { appNamespace: q.appNamespace, project: projects[0], refresh: q.refresh }));
    },
  });

  app.route({
    method: 'POST',
    url: '/api/v1/applications',
    schema: { tags, operationId: 'ApplicationService_Create', summary: 'Create creates an application', querystring: createQuerySchema, body: applicationWriteSchema, response: appResponse },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'create' } },
    // `validate` is accepted for compatibility: the model and project checks always run (see the report).
    handler: async (request) => passThrough<AppResponse>(await apps.create(actorOf(request, deps.rbac), request.body, { upsert: request.query.upsert === true })),
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/applications/:name',
    schema: {
      tags,
      operationId: 'ApplicationService_Update',
      summary: 'Update updates an application',
      params: nameParamsSchema,
      querystring: updateQuerySchema,
      body: applicationWriteSchema,
      response: appResponse,
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'update' } },
    handler: async (request) =>
      passThrough<AppResponse>(await apps.replace(actorOf(request, deps.rbac), request.params.name, request.body, { appNamespace: request.query.appNamespace, project: request.query.project })),
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/applications/:name/spec',
    schema: {
      tags,
      operationId: 'ApplicationService_UpdateSpec',
      summary: 'UpdateSpec updates an application spec',
      params: nameParamsSchema,
      querystring: updateQuerySchema,
      body: applicationSpecWriteSchema,
      response: answers(applicationSpecResponseSchema),
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'update' } },
    handler: async (request) => {
      const updated = await apps.replaceSpec(actorOf(request, deps.rbac), request.params.name, request.body, { appNamespace: request.query.appNamespace, project: request.query.project });
      return passThrough<AppResponse['spec']>(updated['spec']);
    },
  });

  app.route({
    method: 'PATCH',
    url: '/api/v1/applications/:name',
    schema: { tags, operationId: 'ApplicationService_Patch', summary: 'Patch patch an application', params: nameParamsSchema, body: applicationPatchRequestSchema, response: appResponse },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'update' } },
    handler: async (request) => {
      const b = request.body;
      const type = b.patchType === 'merge' ? 'merge' : 'json';
      return passThrough<AppResponse>(await apps.patch(actorOf(request, deps.rbac), request.params.name, b.patch, type, { appNamespace: b.appNamespace, project: b.project }));
    },
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/applications/:name',
    schema: {
      tags,
      operationId: 'ApplicationService_Delete',
      summary: 'Delete deletes an application',
      params: nameParamsSchema,
      querystring: deleteQuerySchema,
      response: answers(emptySchema),
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'delete' } },
    handler: async (request) => {
      const q = request.query;
      await apps.delete(actorOf(request, deps.rbac), request.params.name, { appNamespace: q.appNamespace, project: q.project, cascade: q.cascade, propagationPolicy: q.propagationPolicy });
      return {};
    },
  });

  app.route({
    method: 'POST',
    url: '/api/v1/applications/:name/sync',
    schema: { tags, operationId: 'ApplicationService_Sync', summary: 'Sync syncs an application to its target state', params: nameParamsSchema, body: applicationSyncRequestSchema, response: appResponse },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'sync' } },
    handler: async (request) => passThrough<AppResponse>(await apps.sync(actorOf(request, deps.rbac), request.params.name, request.body)),
  });

  app.route({
    method: 'POST',
    url: '/api/v1/applications/:name/rollback',
    schema: {
      tags,
      operationId: 'ApplicationService_Rollback',
      summary: 'Rollback syncs an application to a revision of its history',
      params: nameParamsSchema,
      body: applicationRollbackRequestSchema,
      response: appResponse,
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'sync' } },
    handler: async (request) => passThrough<AppResponse>(await apps.rollback(actorOf(request, deps.rbac), request.params.name, request.body)),
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/applications/:name/operation',
    schema: {
      tags,
      operationId: 'ApplicationService_TerminateOperation',
      summary: 'TerminateOperation terminates the currently running operation',
      params: nameParamsSchema,
      querystring: appScopeQuerySchema,
      response: answers(emptySchema),
    },
    config: { auth: { kind: 'rbac', resource: 'applications', action: 'sync' } },
    handler: async (request) => {
      await apps.terminate(actorOf(request, deps.rbac), request.params.name, request.query);
      return {};
    },
  });
}

/** The projects a query names: `projects` and its alias `project`, both repeatable. */
function projectsOf(q: { projects?: string[] | undefined; project?: string[] | undefined }): string[] {
  return [...(q.projects ?? []), ...(q.project ?? [])];
}
