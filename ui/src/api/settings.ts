// /api/v1/settings: public settings (is SSO configured?) and /api/version.
import { ApiError, http, request } from './http';
import type { Settings } from './types';

export const settingsService = {
  /** Public settings; an older server without the route counts as "no SSO". */
  get: async (): Promise<Settings> => {
    try {
      return await request<Settings>('/api/v1/settings', { expect401: true });
    } catch (err) {
      if (err instanceof ApiError && (err.kind === 'notFound' || err.kind === 'unauthenticated')) return {};
      throw err;
    }
  },
  version: () => http.get<{ Version: string }>('/api/version'),
};

export function ssoConfigured(settings: Settings): boolean {
  return (settings.oidcConfig?.issuer ?? '') !== '' || (settings.dexConfig?.connectors?.length ?? 0) > 0;
}

export function ssoName(settings: Settings): string {
  return settings.oidcConfig?.name ?? settings.dexConfig?.connectors?.[0]?.name ?? 'SSO';
}
