// /api/v1/settings (Argo CD's SettingsService): the server's public settings, readable before login.
import type { ApiClient } from '../api.js';

/** The part of the settings the CLI reads. */
export interface ServerSettings {
  url?: string;
  oidcConfig?: {
    name?: string;
    issuer?: string;
    clientID?: string;
    cliClientID?: string;
    scopes?: string[];
    idTokenClaims?: Record<string, unknown>;
    redirectURI?: string;
  };
}

export function settingsApi(client: ApiClient) {
  return {
    get: () => client.call<ServerSettings>('GET', '/api/v1/settings', { anonymous: true }),
  };
}
