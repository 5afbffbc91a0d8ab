// /api/v1/projects (Argo CD's ProjectService, CRUD part): thin handlers over ProjectService.
import type { z } from 'zod';
import { actorOf } from '../guard.js';
import {
  appProjectListSchema,
  appProjectResponseSchema,
  emptySchema,
  errorResponses,
  nameParamsSchema,
  projectCreateRequestSchema,
  projectQuerySchema,
  projectUpdateRequestSchema,
} from '../schemas.js';
import { passThrough, type RouteDeps, type ZodApp } from './types.js';

const tags = ['ProjectService'];
type ProjectResponse = z.output<typeof appProjectResponseSchema>;

export function projectRoutes(app: ZodApp, deps: RouteDeps): void {
  const projects = deps.projects;
  const projectResponse = { 200: appProjectResponseSchema, ...errorResponses };

  app.route({
    method: 'GET',
    url: '/api/v1/projects',
    schema: { tags, operationId: 'ProjectService_List', summary: 'List returns list of projects', querystring: projectQuerySchema, response: { 200: appProjectListSchema, ...errorResponses } },
    config: { auth: { kind: 'filtered', resource: 'projects', action: 'get' } },
    handler: async (request) => {
      const list = await projects.list(actorOf(request, deps.rbac), request.query.name);
      return { metadata: list.resourceVersion === undefined ? {} : { resourceVersion: list.resourceVersion }, items: passThrough<ProjectResponse[]>(list.items) };
    },
  });

  app.route({
    method: 'POST',
    url: '/api/v1/projects',
    schema: { tags, operationId: 'ProjectService_Create', summary: 'Create a new project', body: projectCreateRequestSchema, response: projectResponse },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'create' } },
    handler: async (request) => passThrough<ProjectResponse>(await projects.create(actorOf(request, deps.rbac), request.body.project, request.body.upsert === true)),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/projects/:name',
    schema: { tags, operationId: 'ProjectService_Get', summary: 'Get returns a project by name', params: nameParamsSchema, response: projectResponse },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'get' } },
    handler: async (request) => passThrough<ProjectResponse>(await projects.get(actorOf(request, deps.rbac), request.params.name)),
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/projects/:name',
    schema: { tags, operationId: 'ProjectService_Update', summary: 'Update updates a project', params: nameParamsSchema, body: projectUpdateRequestSchema, response: projectResponse },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'update' } },
    handler: async (request) => passThrough<ProjectResponse>(await projects.update(actorOf(request, deps.rbac), request.params.name, request.body.project)),
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/projects/:name',
    schema: { tags, operationId: 'ProjectService_Delete', summary: 'Delete deletes a project', params: nameParamsSchema, response: { 200: emptySchema, ...errorResponses } },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'delete' } },
    handler: async (request) => {
      await projects.delete(actorOf(request, deps.rbac), request.params.name);
      return {};
    },
  });
}
