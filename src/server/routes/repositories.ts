// /api/v1/repositories, /api/v1/repocreds (Argo CD's RepositoryService and RepoCredsService) and
// /api/v1/clusters (ClusterService): thin handlers over the services. URLs in paths arrive URL-encoded
// (`/api/v1/repositories/https%3A%2F%2Fgithub.com%2Forg%2Frepo.git`), as Argo CD's clients send them.
import { actorOf } from '../guard.js';
import { answers, emptySchema } from '../schemas.js';
import {
  clusterListSchema,
  clusterParamsSchema,
  clusterQuerySchema,
  clusterSchema,
  clusterWriteSchema,
  refsResponseSchema,
  repoCredsListSchema,
  repoCredsParamsSchema,
  repoCredsQuerySchema,
  repoCredsSchema,
  repoCredsWriteSchema,
  repoParamsSchema,
  repoScopeQuerySchema,
  repositoryListSchema,
  repositoryQuerySchema,
  repositorySchema,
  repositoryUpsertQuerySchema,
  repositoryWriteSchema,
  upsertQuerySchema,
} from '../schemas-settings.js';
import type { RouteDeps, ZodApp } from './types.js';

export function repositoryRoutes(app: ZodApp, deps: RouteDeps): void {
  const repos = deps.repositories;
  const tags = ['RepositoryService'];

  app.route({
    method: 'GET',
    url: '/api/v1/repositories',
    schema: { tags, operationId: 'RepositoryService_ListRepositories', summary: 'ListRepositories gets a list of all configured repositories', querystring: repositoryQuerySchema, response: answers(repositoryListSchema) },
    config: { auth: { kind: 'filtered', resource: 'repositories', action: 'get' } },
    handler: async (request) => ({ metadata: {}, items: await repos.list(actorOf(request, deps.rbac), request.query) }),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/repositories/:repo',
    schema: { tags, operationId: 'RepositoryService_Get', summary: 'Get returns a repository or its credentials (never its secrets)', params: repoParamsSchema, querystring: repoScopeQuerySchema, response: answers(repositorySchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'get' } },
    handler: (request) => repos.get(actorOf(request, deps.rbac), request.params.repo, request.query),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/repositories/:repo/refs',
    schema: { tags, operationId: 'RepositoryService_ListRefs', summary: 'ListRefs returns the branches and tags of a repository', params: repoParamsSchema, response: answers(refsResponseSchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'get' } },
    handler: (request) => repos.refs(actorOf(request, deps.rbac), request.params.repo),
  });

  app.route({
    method: 'POST',
    url: '/api/v1/repositories',
    schema: { tags, operationId: 'RepositoryService_CreateRepository', summary: 'CreateRepository creates a new repository configuration', querystring: repositoryUpsertQuerySchema, body: repositoryWriteSchema, response: answers(repositorySchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'create' } },
    handler: (request) => repos.create(actorOf(request, deps.rbac), request.body, request.query.upsert === true),
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/repositories/:repo',
    schema: { tags, operationId: 'RepositoryService_UpdateRepository', summary: 'UpdateRepository updates a repository configuration', params: repoParamsSchema, body: repositoryWriteSchema, response: answers(repositorySchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'update' } },
    handler: (request) => repos.update(actorOf(request, deps.rbac), request.params.repo, request.body),
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/repositories/:repo',
    schema: { tags, operationId: 'RepositoryService_DeleteRepository', summary: 'DeleteRepository deletes a repository from the configuration', params: repoParamsSchema, querystring: repoScopeQuerySchema, response: answers(emptySchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'delete' } },
    handler: async (request) => {
      await repos.delete(actorOf(request, deps.rbac), request.params.repo, request.query.appProject);
      return {};
    },
  });

  const credsTags = ['RepoCredsService'];
  app.route({
    method: 'GET',
    url: '/api/v1/repocreds',
    schema: { tags: credsTags, operationId: 'RepoCredsService_ListRepositoryCredentials', summary: 'ListRepositoryCredentials gets a list of all configured repository credential sets', querystring: repoCredsQuerySchema, response: answers(repoCredsListSchema) },
    config: { auth: { kind: 'filtered', resource: 'repositories', action: 'get' } },
    handler: async (request) => ({ metadata: {}, items: await repos.listCreds(actorOf(request, deps.rbac), request.query.url) }),
  });

  app.route({
    method: 'POST',
    url: '/api/v1/repocreds',
    schema: { tags: credsTags, operationId: 'RepoCredsService_CreateRepositoryCredentials', summary: 'CreateRepositoryCredentials creates a new repository credential set', querystring: upsertQuerySchema, body: repoCredsWriteSchema, response: answers(repoCredsSchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'create' } },
    handler: (request) => repos.createCreds(actorOf(request, deps.rbac), request.body, request.query.upsert === true),
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/repocreds/:url',
    schema: { tags: credsTags, operationId: 'RepoCredsService_UpdateRepositoryCredentials', summary: 'UpdateRepositoryCredentials updates a repository credential set', params: repoCredsParamsSchema, body: repoCredsWriteSchema, response: answers(repoCredsSchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'update' } },
    handler: (request) => repos.updateCreds(actorOf(request, deps.rbac), request.params.url, request.body),
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/repocreds/:url',
    schema: { tags: credsTags, operationId: 'RepoCredsService_DeleteRepositoryCredentials', summary: 'DeleteRepositoryCredentials deletes a repository credential set', params: repoCredsParamsSchema, response: answers(emptySchema) },
    config: { auth: { kind: 'rbac', resource: 'repositories', action: 'delete' } },
    handler: async (request) => {
      await repos.deleteCreds(actorOf(request, deps.rbac), request.params.url);
      return {};
    },
  });
}

export function clusterRoutes(app: ZodApp, deps: RouteDeps): void {
  const clusters = deps.clusters;
  const tags = ['ClusterService'];
  const idOf = (server: string, type: string | undefined): { type: 'url' | 'name'; value: string } => ({ type: type === 'name' || type === 'name_escaped' ? 'name' : 'url', value: server });

  app.route({
    method: 'GET',
    url: '/api/v1/clusters',
    schema: { tags, operationId: 'ClusterService_List', summary: 'List returns list of clusters', querystring: clusterQuerySchema, response: answers(clusterListSchema) },
    config: { auth: { kind: 'filtered', resource: 'clusters', action: 'get' } },
    handler: async (request) => ({ metadata: {}, items: await clusters.list(actorOf(request, deps.rbac), { server: request.query.server ?? (request.query['id.type'] === 'name' ? undefined : request.query['id.value']), name: request.query.name }) }),
  });

  app.route({
    method: 'POST',
    url: '/api/v1/clusters',
    schema: { tags, operationId: 'ClusterService_Create', summary: 'Create creates a cluster', querystring: clusterQuerySchema, body: clusterWriteSchema, response: answers(clusterSchema) },
    config: { auth: { kind: 'rbac', resource: 'clusters', action: 'create' } },
    handler: (request) => clusters.create(actorOf(request, deps.rbac), request.body, request.query.upsert === true),
  });

  app.route({
    method: 'GET',
    url: '/api/v1/clusters/:server',
    schema: { tags, operationId: 'ClusterService_Get', summary: 'Get returns a cluster by server URL (or by name with id.type=name)', params: clusterParamsSchema, querystring: clusterQuerySchema, response: answers(clusterSchema) },
    config: { auth: { kind: 'rbac', resource: 'clusters', action: 'get' } },
    handler: (request) => clusters.get(actorOf(request, deps.rbac), idOf(request.params.server, request.query['id.type'])),
  });

  app.route({
    method: 'PUT',
    url: '/api/v1/clusters/:server',
    schema: { tags, operationId: 'ClusterService_Update', summary: 'Update updates a cluster', params: clusterParamsSchema, querystring: clusterQuerySchema, body: clusterWriteSchema, response: answers(clusterSchema) },
    config: { auth: { kind: 'rbac', resource: 'clusters', action: 'update' } },
    handler: (request) => {
      const fields = request.query.updatedFields;
      return clusters.update(actorOf(request, deps.rbac), idOf(request.params.server, request.query['id.type']), request.body, fields === undefined ? undefined : typeof fields === 'string' ? fields.split(',') : fields);
    },
  });

  app.route({
    method: 'DELETE',
    url: '/api/v1/clusters/:server',
    schema: { tags, operationId: 'ClusterService_Delete', summary: 'Delete deletes a cluster', params: clusterParamsSchema, querystring: clusterQuerySchema, response: answers(emptySchema) },
    config: { auth: { kind: 'rbac', resource: 'clusters', action: 'delete' } },
    handler: async (request) => {
      await clusters.delete(actorOf(request, deps.rbac), idOf(request.params.server, request.query['id.type']));
      return {};
    },
  });
}
