// /api/version (Argo CD's VersionService): the server's version and those of its tools.
import type { ApiClient } from '../api.js';

export function versionApi(client: ApiClient) {
  return {
    /** `Version` and, when known, build and tool versions (`HelmVersion`, …). */
    get: () => client.call<Record<string, string>>('GET', '/api/version'),
  };
}
