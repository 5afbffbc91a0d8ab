// The OpenAPI document is valid OpenAPI 3.0 and documents every route; checked by walking it, without a
// cluster (the routes are registered, never called).
import { UI_ROUTE_URLS } from './ui.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer, type KawaServer } from './app.js';
import { LoginService, SessionManager, parseAuthSettings } from './auth/index.js';
import { RbacService } from './rbac/index.js';
import type { CoreClient, CustomObjectsClient } from './store.js';

type Doc = Record<string, unknown>;
const isObject = (v: unknown): v is Doc => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Schema keywords OpenAPI 3.0 allows (its Schema Object), plus extensions. */
const SCHEMA_KEYWORDS = new Set([
  'title', 'multipleOf', 'maximum', 'exclusiveMaximum', 'minimum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern',
  'maxItems', 'minItems', 'uniqueItems', 'maxProperties', 'minProperties', 'required', 'enum', 'type', 'allOf', 'oneOf',
  'anyOf', 'not', 'items', 'properties', 'additionalProperties', 'description', 'format', 'default', 'nullable',
  'discriminator', 'readOnly', 'writeOnly', 'xml', 'externalDocs', 'example', 'deprecated', '$ref',
]);
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'array', 'object']);
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** Every problem with a schema object, by JSON path. */
function schemaProblems(schema: unknown, at: string, refs: Set<string>): string[] {
  if (!isObject(schema)) return [`${at}: a schema must be an object`];
  const out: string[] = [];
  for (const key of Object.keys(schema)) if (!SCHEMA_KEYWORDS.has(key) && !key.startsWith('x-')) out.push(`${at}: "${key}" is not an OpenAPI 3.0 schema keyword`);
  if ('$ref' in schema) {
    refs.add(String(schema['$ref']));
    return out;
  }
  if (schema['type'] !== undefined && !(typeof schema['type'] === 'string' && TYPES.has(schema['type']))) out.push(`${at}: type ${JSON.stringify(schema['type'])} is not an OpenAPI 3.0 type`);
  for (const flag of ['exclusiveMinimum', 'exclusiveMaximum', 'nullable']) {
    if (schema[flag] !== undefined && typeof schema[flag] !== 'boolean') out.push(`${at}: ${flag} must be a boolean in 3.0`);
  }
  if (schema['type'] === 'array' && schema['items'] === undefined) out.push(`${at}: an array schema needs items`);
  if (schema['required'] !== undefined && !(Array.isArray(schema['required']) && schema['required'].length > 0)) out.push(`${at}: required must be a non-empty list`);
  const props = schema['properties'];
  if (isObject(props)) for (const [name, sub] of Object.entries(props)) out.push(...schemaProblems(sub, `${at}.properties.${name}`, refs));
  const extra = schema['additionalProperties'];
  if (isObject(extra)) out.push(...schemaProblems(extra, `${at}.additionalProperties`, refs));
  if (schema['items'] !== undefined) out.push(...schemaProblems(schema['items'], `${at}.items`, refs));
  for (const list of ['allOf', 'anyOf', 'oneOf']) {
    const subs = schema[list];
    if (Array.isArray(subs)) subs.forEach((sub, i) => out.push(...schemaProblems(sub, `${at}.${list}[${i}]`, refs)));
  }
  if (schema['not'] !== undefined) out.push(...schemaProblems(schema['not'], `${at}.not`, refs));
  return out;
}

/** Structural problems of an OpenAPI 3.0 document (the parts this server produces). */
export function openApiProblems(doc: Doc): string[] {
  const out: string[] = [];
  const refs = new Set<string>();
  if (typeof doc['openapi'] !== 'string' || !/^3\.0\.\d+$/.test(doc['openapi'])) out.push('openapi must be 3.0.x');
  const info = doc['info'];
  if (!isObject(info) || typeof info['title'] !== 'string' || typeof info['version'] !== 'string') out.push('info needs title and version');
  const paths = doc['paths'];
  if (!isObject(paths)) return [...out, 'paths must be an object'];
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!path.startsWith('/')) out.push(`${path}: paths start with /`);
    if (!isObject(item)) continue;
    const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const at = `${method.toUpperCase()} ${path}`;
      if (!METHODS.includes(method)) out.push(`${at}: unknown method`);
      if (!isObject(op)) continue;
      const id = op['operationId'];
      if (typeof id === 'string') {
        if (operationIds.has(id)) out.push(`${at}: operationId ${id} is used twice`);
        operationIds.add(id);
      }
      const params = Array.isArray(op['parameters']) ? op['parameters'].filter(isObject) : [];
      for (const p of params) {
        if (!['path', 'query', 'header', 'cookie'].includes(String(p['in']))) out.push(`${at}: parameter ${String(p['name'])} has in=${String(p['in'])}`);
        if (p['in'] === 'path' && p['required'] !== true) out.push(`${at}: path parameter ${String(p['name'])} must be required`);
        if (p['schema'] !== undefined) out.push(...schemaProblems(p['schema'], `${at} parameter ${String(p['name'])}`, refs));
      }
      for (const name of templated) {
        if (!params.some((p) => p['in'] === 'path' && p['name'] === name)) out.push(`${at}: {${String(name)}} is not declared as a path parameter`);
      }
      const body = op['requestBody'];
      if (isObject(body) && isObject(body['content'])) {
        for (const [type, media] of Object.entries(body['content'])) if (isObject(media)) out.push(...schemaProblems(media['schema'], `${at} body ${type}`, refs));
      }
      const responses = op['responses'];
      if (!isObject(responses) || Object.keys(responses).length === 0) out.push(`${at}: no responses`);
      else {
        // A redirect (the SSO routes) is how those operations succeed.
        if (!Object.keys(responses).some((code) => /^[23](\d\d|XX)$/.test(code))) out.push(`${at}: no success response`);
        for (const [code, response] of Object.entries(responses)) {
          if (!/^([1-5](\d\d|XX)|default)$/.test(code)) out.push(`${at}: response key ${code} is not a status`);
          if (!isObject(response) || typeof response['description'] !== 'string') out.push(`${at} ${code}: a response needs a description`);
          else if (isObject(response['content'])) {
            for (const [type, media] of Object.entries(response['content'])) if (isObject(media)) out.push(...schemaProblems(media['schema'], `${at} ${code} ${type}`, refs));
          }
        }
      }
    }
  }
  const components = isObject(doc['components']) && isObject(doc['components']['schemas']) ? doc['components']['schemas'] : {};
  for (const [name, schema] of Object.entries(components)) out.push(...schemaProblems(schema, `components.schemas.${name}`, refs));
  for (const ref of refs) {
    const match = /^#\/components\/schemas\/(.+)$/.exec(ref);
    if (match?.[1] === undefined || !(match[1] in components)) out.push(`$ref ${ref} does not resolve`);
  }
  return out;
}

describe('the OpenAPI document', () => {
  let app: KawaServer;

  beforeAll(async () => {
    const settings = { load: () => Promise.resolve(parseAuthSettings({}, { 'server.secretkey': 'test-key' })) };
    const sessions = new SessionManager({ settings });
    const unused = new Proxy({}, { get: () => () => Promise.reject(new Error('no cluster in this test')) });
    app = await buildServer({
      custom: unused as CustomObjectsClient,
      core: unused as CoreClient,
      sessions,
      login: await LoginService.create({ settings, sessions }),
      rbac: await RbacService.create(),
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('is valid OpenAPI 3.0', async () => {
    const res = await app.inject({ method: 'GET', url: '/swagger.json' });
    expect(res.statusCode).toBe(200);
    expect(openApiProblems(res.json())).toEqual([]);
  });

  it('documents every API route, with the public ones marked as needing no credentials', async () => {
    const doc = (await app.inject({ method: 'GET', url: '/swagger.json' })).json<{ paths: Record<string, Record<string, { security?: unknown[] }>> }>();
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`));
    const routes = app.kawa.routes
      .filter((r) => r.method !== 'HEAD' && !r.url.startsWith('/swagger') && !UI_ROUTE_URLS.includes(r.url))
      // @fastify/swagger writes a trailing wildcard as `{*}`.
      .map((r) => `${r.method} ${r.url.replace(/:(\w+)/g, '{$1}').replace(/\/\*$/, '/{*}')}`);
    expect(documented.sort()).toEqual(routes.sort());
    for (const route of app.kawa.routes.filter((r) => r.auth.kind === 'public' && r.method !== 'HEAD' && !r.url.startsWith('/swagger') && !UI_ROUTE_URLS.includes(r.url))) {
      expect(doc.paths[route.url]?.[route.method.toLowerCase()]?.security, route.url).toEqual([]);
    }
  });

  it('serves Swagger UI at /swagger-ui', async () => {
    const res = await app.inject({ method: 'GET', url: '/swagger-ui/' });
    expect([res.statusCode, res.headers['content-type']]).toEqual([200, 'text/html; charset=utf-8']);
  });

  it('finds what is wrong with a broken document', () => {
    const broken = {
      openapi: '3.1.0',
      info: { title: 't', version: '1' },
      paths: { '/x/{id}': { get: { responses: { 404: { description: 'no' } }, requestBody: { content: { 'application/json': { schema: { type: ['string', 'null'], const: 1 } } } } } } },
      components: { schemas: { A: { $ref: '#/components/schemas/B' } } },
    };
    expect(openApiProblems(broken)).toEqual([
      'openapi must be 3.0.x',
      'GET /x/{id}: {id} is not declared as a path parameter',
      'GET /x/{id} body application/json: "const" is not an OpenAPI 3.0 schema keyword',
      'GET /x/{id} body application/json: type ["string","null"] is not an OpenAPI 3.0 type',
      'GET /x/{id}: no success response',
      '$ref #/components/schemas/B does not resolve',
    ]);
  });
});
