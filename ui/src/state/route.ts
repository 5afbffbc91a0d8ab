// The UI's routes, parsed from and formatted to URLs. Pure; the history wiring is in router.tsx.
//
// One application's page uses Argo CD's URL forms, so links printed by the CLI (`kawa app get`),
// written into notifications or copied from an Argo CD UI open the same thing here:
//   /applications/<name>                       the app in the server's own namespace
//   /applications/<namespace>/<name>           the app in <namespace> (its metadata.namespace)
//   ?view=tree|network|list|pods               the resource view (network shows the tree, pods the list of Pods)
//   ?resource=kind:Deployment,health:Degraded  the resource filter (state/resource-filter.ts)
//   ?node=<group>/<Kind>/<namespace>/<name>/0  the resource whose panel is open (the last part is
//                                              Argo CD's container index; parsed, not used)
//   &tab=summary|manifest|desired|diff|events|logs   that panel's tab
//   ?operation=true                            the sync status
//   ?rollback=0                                history and rollback
//   ?node=argoproj.io/Application/<ns>/<name>/0&tab=manifest   the app's own manifest

export type AppTab = 'tree' | 'list' | 'sync' | 'history' | 'yaml';
export const APP_TABS: readonly AppTab[] = ['tree', 'list', 'sync', 'history', 'yaml'];
/** The resource panel's tabs, named as Argo CD names them in `?tab=` (`desired` is kawa's own). */
export type PanelTab = 'summary' | 'manifest' | 'desired' | 'diff' | 'events' | 'logs';
export const PANEL_TABS: readonly PanelTab[] = ['summary', 'manifest', 'desired', 'diff', 'events', 'logs'];
export type SettingsSection = 'repositories' | 'clusters' | 'projects' | 'accounts';
export const SETTINGS_SECTIONS: readonly SettingsSection[] = ['repositories', 'clusters', 'projects', 'accounts'];

export interface AppRoute {
  readonly page: 'application';
  readonly name: string;
  /** From `/applications/<namespace>/<name>`; absent means the server's own namespace. */
  readonly appNamespace?: string | undefined;
  readonly tab: AppTab;
  /** The selected resource's key, `<group>/<Kind>/<namespace>/<name>` (as tree.ts's resourceKey). */
  readonly node?: string | undefined;
  /** The selected resource panel's tab; absent lets the panel choose. */
  readonly panelTab?: PanelTab | undefined;
  /** Argo CD's resource filter (`?resource=`), as written. */
  readonly resource?: string | undefined;
}

export type Route =
  | { readonly page: 'login' }
  | { readonly page: 'applications' }
  | { readonly page: 'new-application' }
  | AppRoute
  | { readonly page: 'settings'; readonly section: SettingsSection }
  | { readonly page: 'user-info' }
  | { readonly page: 'not-found'; readonly path: string };

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

const APP_GROUP = 'argoproj.io';
const APP_KIND = 'Application';

/** `<group>/<Kind>/<namespace>/<name>[/<index>]` → its parts; undefined when it is not one. */
export function parseNode(value: string): { group: string; kind: string; namespace: string; name: string } | undefined {
  const parts = value.split('/');
  if (parts.length === 5 && /^\d+$/.test(parts[4] ?? '')) parts.pop();
  if (parts.length !== 4) return undefined;
  const [group = '', kind = '', namespace = '', name = ''] = parts;
  if (kind === '' || name === '') return undefined;
  return { group, kind, namespace, name };
}

function appTabOf(params: URLSearchParams, isAppManifest: boolean): AppTab {
  const operation = params.get('operation');
  if (operation !== null && operation !== 'false') return 'sync';
  const rollback = params.get('rollback');
  if (rollback !== null && rollback !== 'false') return 'history';
  if (isAppManifest) return 'yaml';
  const view = params.get('view')?.toLowerCase();
  return view === 'list' || view === 'pods' ? 'list' : 'tree';
}

function parseAppRoute(name: string, appNamespace: string | undefined, search: string): AppRoute {
  const params = new URLSearchParams(search);
  const node = parseNode(params.get('node') ?? '');
  const tab = params.get('tab') ?? '';
  // Argo CD's "Details" of the app is a node too: the Application itself.
  const isApp = node !== undefined && node.group === APP_GROUP && node.kind === APP_KIND && node.name === name && (node.namespace === '' || appNamespace === undefined || node.namespace === appNamespace);
  let resource = (params.get('resource') ?? '').trim();
  // Argo CD's pods view: the nearest here is the list, of Pods.
  if (resource === '' && params.get('view')?.toLowerCase() === 'pods') resource = 'kind:Pod';
  const panelTab = (PANEL_TABS as readonly string[]).includes(tab) ? (tab as PanelTab) : undefined;
  return {
    page: 'application',
    name,
    ...(appNamespace === undefined ? {} : { appNamespace }),
    tab: appTabOf(params, isApp && tab === 'manifest'),
    ...(node === undefined || isApp ? {} : { node: `${node.group}/${node.kind}/${node.namespace}/${node.name}` }),
    ...(node === undefined || isApp || panelTab === undefined ? {} : { panelTab }),
    ...(resource === '' ? {} : { resource }),
  };
}

/** The route of a path and its query string (`?a=b` or `a=b`). */
export function parseRoute(pathname: string, search = ''): Route {
  const parts = pathname.split('/').filter((p) => p !== '').map(decode);
  const [first, second, third] = parts;
  if (first === undefined) return { page: 'applications' };
  if (first === 'login' && parts.length === 1) return { page: 'login' };
  if (first === 'user-info' && parts.length === 1) return { page: 'user-info' };
  if (first === 'applications') {
    if (second === undefined) return { page: 'applications' };
    if (third === undefined) return parseAppRoute(second, undefined, search);
    if (parts.length === 3) return parseAppRoute(third, second, search);
  }
  if (first === 'new-application' && parts.length === 1) return { page: 'new-application' };
  if (first === 'settings' && parts.length <= 2) {
    const section = (SETTINGS_SECTIONS as readonly string[]).includes(second ?? 'repositories') ? ((second ?? 'repositories') as SettingsSection) : undefined;
    if (section !== undefined) return { page: 'settings', section };
  }
  return { page: 'not-found', path: pathname };
}

function appPath(route: AppRoute): string {
  const path = `/applications/${route.appNamespace === undefined || route.appNamespace === '' ? '' : `${encodeURIComponent(route.appNamespace)}/`}${encodeURIComponent(route.name)}`;
  const params = new URLSearchParams();
  if (route.tab === 'list') params.set('view', 'list');
  if (route.resource !== undefined && route.resource !== '') params.set('resource', route.resource);
  if (route.tab === 'sync') params.set('operation', 'true');
  if (route.tab === 'history') params.set('rollback', '0');
  if (route.tab === 'yaml') {
    params.set('node', `${APP_GROUP}/${APP_KIND}/${route.appNamespace ?? ''}/${route.name}/0`);
    params.set('tab', 'manifest');
  } else if (route.node !== undefined) {
    params.set('node', `${route.node}/0`);
    if (route.panelTab !== undefined) params.set('tab', route.panelTab);
  }
  const qs = params.toString();
  return qs === '' ? path : `${path}?${qs}`;
}

/** The URL (path and query) of a route. */
export function routePath(route: Route): string {
  switch (route.page) {
    case 'login':
      return '/login';
    case 'applications':
      return '/applications';
    case 'new-application':
      return '/new-application';
    case 'application':
      return appPath(route);
    case 'settings':
      return `/settings/${route.section}`;
    case 'user-info':
      return '/user-info';
    case 'not-found':
      return route.path;
  }
}

/** The page of one application, as every link to it is built. */
export function appLink(app: { metadata: { name: string; namespace?: string | undefined } }, rest: Partial<Omit<AppRoute, 'page' | 'name' | 'appNamespace'>> = {}): string {
  return routePath({ page: 'application', name: app.metadata.name, appNamespace: app.metadata.namespace, tab: 'tree', ...rest });
}

/** The panel tab shown: the one asked for (the URL's `tab=`) when the resource has it (logs: Pods only), else the diff of an out-of-sync resource, else the summary. */
export function panelTabFor(resource: { readonly kind: string; readonly sync?: string | undefined }, asked: PanelTab | undefined): PanelTab {
  if (asked !== undefined && (asked !== 'logs' || resource.kind === 'Pod')) return asked;
  return resource.sync === 'OutOfSync' ? 'diff' : 'summary';
}

/** Where to go after logging in: only same-site paths, never back to /login. */
export function safeReturnPath(value: string | null): string {
  if (value === null || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\') || value.startsWith('/login')) return '/applications';
  return value;
}
