// The UI's routes, parsed from and formatted to URL paths. Pure; the history wiring is in router.tsx.

export type Route =
  | { readonly page: 'login' }
  | { readonly page: 'applications' }
  | { readonly page: 'new-application' }
  | { readonly page: 'application'; readonly name: string; readonly tab: AppTab }
  | { readonly page: 'settings'; readonly section: SettingsSection }
  | { readonly page: 'user-info' }
  | { readonly page: 'not-found'; readonly path: string };

export type AppTab = 'tree' | 'list' | 'sync' | 'history' | 'yaml';
export const APP_TABS: readonly AppTab[] = ['tree', 'list', 'sync', 'history', 'yaml'];
export type SettingsSection = 'repositories' | 'clusters' | 'projects' | 'accounts';
export const SETTINGS_SECTIONS: readonly SettingsSection[] = ['repositories', 'clusters', 'projects', 'accounts'];

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function parseRoute(pathname: string): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map(decode);
  const [first, second, third] = parts;
  if (first === undefined) return { page: 'applications' };
  if (first === 'login' && parts.length === 1) return { page: 'login' };
  if (first === 'user-info' && parts.length === 1) return { page: 'user-info' };
  if (first === 'applications') {
    if (second === undefined) return { page: 'applications' };
    if (parts.length <= 3) {
      const tab = (APP_TABS as readonly string[]).includes(third ?? '') ? (third as AppTab) : 'tree';
      if (third !== undefined && tab !== third) return { page: 'not-found', path: pathname };
      return { page: 'application', name: second, tab };
    }
  }
  if (first === 'new-application' && parts.length === 1) return { page: 'new-application' };
  if (first === 'settings' && parts.length <= 2) {
    const section = (SETTINGS_SECTIONS as readonly string[]).includes(second ?? 'repositories') ? ((second ?? 'repositories') as SettingsSection) : undefined;
    if (section !== undefined) return { page: 'settings', section };
  }
  return { page: 'not-found', path: pathname };
}

export function routePath(route: Route): string {
  switch (route.page) {
    case 'login':
      return '/login';
    case 'applications':
      return '/applications';
    case 'new-application':
      return '/new-application';
    case 'application':
      return `/applications/${encodeURIComponent(route.name)}${route.tab === 'tree' ? '' : `/${route.tab}`}`;
    case 'settings':
      return `/settings/${route.section}`;
    case 'user-info':
      return '/user-info';
    case 'not-found':
      return route.path;
  }
}

/** Where to go after logging in: only same-site paths, never back to /login. */
export function safeReturnPath(value: string | null): string {
  if (value === null || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.startsWith('/login')) return '/applications';
  return value;
}
