// /api/v1/projects (Argo CD's ProjectService, CRUD part): thin handlers over ProjectService.
import type { z } from 'zod';
import { actorOf } from '../guard.js';
import {
  answers,
  appProjectListSchema,
  appProjectResponseSchema,
  emptySchema,
  nameParamsSchema,
  projectCreateRequestSchema,
  projectQuerySchema,
  projectUpdateRequestSchema,
} from '../schemas.js';
import { projectTokenCreateRequestSchema, projectTokenDeleteParamsSchema, projectTokenDeleteQuerySchema, projectTokenParamsSchema, projectTokenResponseSchema } from '../schemas-settings.js';
import { tokenOptions } from './token-options.js';
import { listMetadata, passThrough, type RouteDeps, type ZodApp } from './types.js';

const tags = ['ProjectService'];
type ProjectResponse = z.output<typeof appProjectResponseSchema>;

export function projectRoutes(app: ZodApp, deps: RouteDeps): void {
  const projects = deps.projects;
  const projectResponse = answers(appProjectResponseSchema);

  app.route({
    method: 'GET',
    url: '/api/v1/projects',
    schema: { tags, operationId: 'ProjectService_List', summary: 'List returns list of projects', querystring: projectQuerySchema, response: answers(appProjectListSchema) },
    config: { auth: { kind: 'filtered', resource: 'projects', action: 'get' } },
    handler: async (request) => {
      const list = await projects.list(actorOf(request, deps.rbac), request.query.name);
      return { metadata: listMetadata(list), items: passThrough<ProjectResponse[]>(list.items) };
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
    schema: { tags, operationId: 'ProjectService_Delete', summary: 'Delete deletes a project', params: nameParamsSchema, response: answers(emptySchema) },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'delete' } },
    handler: async (request) => {
      await projects.delete(actorOf(request, deps.rbac), request.params.name);
      return {};
    },
  });

  app.route({
    method: 'POST',
    url: '/api/v1/projects/:project/roles/:role/token',
    schema: {
      tags,
      operationId: 'ProjectService_CreateToken',
      summary: 'Create a new project token',
      params: projectTokenParamsSchema,
      body: projectTokenCreateRequestSchema,
      response: answers(projectTokenResponseSchema),
    },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'update' } },
    handler: async (request) => {
      const { project, role } = request.params;
      const token = await projects.createRoleToken(actorOf(request, deps.rbac), project, role, () => deps.sessions.issueProjectToken(project, role, tokenOptions(request.body)));
      return { token };
    },
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/projects/:project/roles/:role/token/:iat',
    schema: {
      tags,
      operationId: 'ProjectService_DeleteToken',
      summary: 'Delete a new project token',
      params: projectTokenDeleteParamsSchema,
      querystring: projectTokenDeleteQuerySchema,
      response: projectResponse,
    },
    config: { auth: { kind: 'rbac', resource: 'projects', action: 'update' } },
    handler: async (request) => {
      const { project, role, iat } = request.params;
      return passThrough<ProjectResponse>(await projects.deleteRoleToken(actorOf(request, deps.rbac), project, role, iat, request.query.id));
    },
  });
}
