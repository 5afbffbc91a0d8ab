import { describe, expect, it } from 'vitest';
import { appLink, panelTabFor, parseNode, parseRoute, routePath, safeReturnPath, type PanelTab, type Route } from './route';

const app = (rest: Partial<Extract<Route, { page: 'application' }>> = {}): Route => ({ page: 'application', name: 'guestbook', tab: 'tree', ...rest });

describe('routes', () => {
  // [path, query, route]
  const cases: [string, string, Route][] = [
    ['/', '', { page: 'applications' }],
    ['/applications', '', { page: 'applications' }],
    ['/applications/guestbook', '', app()],
    // What `kawa app get` prints: the Application's namespace, then its name.
    ['/applications/argocd/guestbook-default', '', app({ name: 'guestbook-default', appNamespace: 'argocd' })],
    ['/applications/argocd/guestbook', '?view=list', app({ appNamespace: 'argocd', tab: 'list' })],
    ['/applications/argocd/guestbook', '?view=tree&resource=', app({ appNamespace: 'argocd' })],
    ['/applications/argocd/guestbook', '?view=network', app({ appNamespace: 'argocd' })],
    ['/applications/argocd/guestbook', '?view=pods', app({ appNamespace: 'argocd', tab: 'list', resource: 'kind:Pod' })],
    ['/applications/argocd/guestbook', '?view=pods&resource=health%3ADegraded', app({ appNamespace: 'argocd', tab: 'list', resource: 'health:Degraded' })],
    ['/applications/argocd/guestbook', '?view=tree&resource=kind%3ADeployment', app({ appNamespace: 'argocd', resource: 'kind:Deployment' })],
    // Argo CD's resource panel: node=<group>/<Kind>/<namespace>/<name>/<container index>, tab=…
    ['/applications/argocd/guestbook', '?view=tree&resource=&node=apps%2FDeployment%2Fdefault%2Fguestbook-ui%2F0&tab=diff', app({ appNamespace: 'argocd', node: 'apps/Deployment/default/guestbook-ui', panelTab: 'diff' })],
    ['/applications/argocd/guestbook', '?node=apps/Deployment/default/guestbook-ui/0&tab=manifest', app({ appNamespace: 'argocd', node: 'apps/Deployment/default/guestbook-ui', panelTab: 'manifest' })],
    ['/applications/guestbook', '?resource=&node=%2FPod%2Fdefault%2Fguestbook-ui-6f859cdb5b-zklhh%2F0&tab=logs', app({ node: '/Pod/default/guestbook-ui-6f859cdb5b-zklhh', panelTab: 'logs' })],
    ['/applications/guestbook', '?node=%2FService%2Fdefault%2Fguestbook-ui%2F0&tab=events', app({ node: '/Service/default/guestbook-ui', panelTab: 'events' })],
    // Cluster-scoped: an empty namespace part.
    ['/applications/guestbook', '?node=rbac.authorization.k8s.io%2FClusterRole%2F%2Freader%2F0', app({ node: 'rbac.authorization.k8s.io/ClusterRole//reader' })],
    // Tabs this UI does not have (exec, extensions) leave the choice to the panel.
    ['/applications/guestbook', '?node=%2FPod%2Fdefault%2Fp%2F0&tab=exec', app({ node: '/Pod/default/p' })],
    ['/applications/guestbook', '?node=%2FPod%2Fdefault%2Fp%2F0&tab=extension-0', app({ node: '/Pod/default/p' })],
    ['/applications/guestbook', '?node=not-a-node&tab=diff', app()],
    // The app's own details: its manifest is the Manifest tab; other tabs of the app node show the app.
    ['/applications/argocd/guestbook', '?node=argoproj.io%2FApplication%2Fargocd%2Fguestbook%2F0&tab=manifest', app({ appNamespace: 'argocd', tab: 'yaml' })],
    ['/applications/argocd/guestbook', '?view=tree&node=argoproj.io%2FApplication%2Fargocd%2Fguestbook%2F0&resource=', app({ appNamespace: 'argocd' })],
    // An Application the app manages (app of apps) is a resource like any other.
    ['/applications/argocd/root', '?node=argoproj.io%2FApplication%2Fargocd%2Fchild%2F0&tab=diff', app({ name: 'root', appNamespace: 'argocd', node: 'argoproj.io/Application/argocd/child', panelTab: 'diff' })],
    ['/applications/guestbook', '?operation=true', app({ tab: 'sync' })],
    ['/applications/guestbook', '?operation=false&resource=', app()],
    ['/applications/argocd/guestbook', '?rollback=0', app({ appNamespace: 'argocd', tab: 'history' })],
    ['/applications/a%20b', '', app({ name: 'a b' })],
    ['/new-application', '', { page: 'new-application' }],
    ['/settings', '', { page: 'settings', section: 'repositories' }],
    ['/settings/clusters', '', { page: 'settings', section: 'clusters' }],
    ['/login', '', { page: 'login' }],
    ['/user-info', '', { page: 'user-info' }],
    ['/applications/a/b/c', '', { page: 'not-found', path: '/applications/a/b/c' }],
    ['/nowhere', '', { page: 'not-found', path: '/nowhere' }],
  ];
  it.each(cases)('parses %s%s', (path, search, route) => {
    expect(parseRoute(path, search)).toEqual(route);
  });

  it('formats what it parses', () => {
    for (const [, , route] of cases) if (route.page !== 'not-found') expect(parseRoute(...split(routePath(route)))).toEqual(route);
  });

  // The forms the UI builds are Argo CD's own.
  const built: [Route, string][] = [
    [app(), '/applications/guestbook'],
    [app({ appNamespace: 'argocd' }), '/applications/argocd/guestbook'],
    [app({ appNamespace: 'argocd', tab: 'list', resource: 'kind:Pod' }), '/applications/argocd/guestbook?view=list&resource=kind%3APod'],
    [app({ appNamespace: 'argocd', node: 'apps/Deployment/default/guestbook-ui', panelTab: 'diff' }), '/applications/argocd/guestbook?node=apps%2FDeployment%2Fdefault%2Fguestbook-ui%2F0&tab=diff'],
    [app({ node: '/Pod/default/p' }), '/applications/guestbook?node=%2FPod%2Fdefault%2Fp%2F0'],
    [app({ appNamespace: 'argocd', tab: 'sync' }), '/applications/argocd/guestbook?operation=true'],
    [app({ appNamespace: 'argocd', tab: 'history' }), '/applications/argocd/guestbook?rollback=0'],
    [app({ appNamespace: 'argocd', tab: 'yaml' }), '/applications/argocd/guestbook?node=argoproj.io%2FApplication%2Fargocd%2Fguestbook%2F0&tab=manifest'],
    [app({ name: 'a b' }), '/applications/a%20b'],
  ];
  it.each(built)('formats %j as %s', (route, url) => {
    expect(routePath(route)).toBe(url);
  });

  it('links to an application by its namespace and name', () => {
    expect(appLink({ metadata: { name: 'guestbook', namespace: 'argocd' } })).toBe('/applications/argocd/guestbook');
    expect(appLink({ metadata: { name: 'guestbook' } })).toBe('/applications/guestbook');
    expect(appLink({ metadata: { name: 'guestbook', namespace: 'argocd' } }, { tab: 'history' })).toBe('/applications/argocd/guestbook?rollback=0');
  });
});

function split(url: string): [string, string] {
  const q = url.indexOf('?');
  return q < 0 ? [url, ''] : [url.slice(0, q), url.slice(q)];
}

describe('parseNode', () => {
  const cases: [string, ReturnType<typeof parseNode>][] = [
    ['apps/Deployment/default/guestbook-ui/0', { group: 'apps', kind: 'Deployment', namespace: 'default', name: 'guestbook-ui' }],
    ['apps/Deployment/default/guestbook-ui', { group: 'apps', kind: 'Deployment', namespace: 'default', name: 'guestbook-ui' }],
    ['/Pod/default/p/2', { group: '', kind: 'Pod', namespace: 'default', name: 'p' }],
    ['/Namespace//guestbook/0', { group: '', kind: 'Namespace', namespace: '', name: 'guestbook' }],
    ['apps/Deployment/default', undefined],
    ['apps//default/x/0', undefined],
    ['a/b/c/d/e/f', undefined],
    ['', undefined],
  ];
  it.each(cases)('%s', (value, parsed) => {
    expect(parseNode(value)).toEqual(parsed);
  });
});

describe('panelTabFor', () => {
  // [kind, sync, asked, shown]
  const cases: [string, string | undefined, PanelTab | undefined, PanelTab][] = [
    ['Deployment', 'OutOfSync', undefined, 'diff'],
    ['Deployment', 'Synced', undefined, 'summary'],
    ['Pod', undefined, undefined, 'summary'],
    ['Deployment', 'OutOfSync', 'events', 'events'],
    ['Service', 'Synced', 'manifest', 'manifest'],
    ['Pod', undefined, 'logs', 'logs'],
    // Only Pods have logs: the panel's own choice instead.
    ['Deployment', 'OutOfSync', 'logs', 'diff'],
    ['Service', 'Synced', 'logs', 'summary'],
  ];
  it.each(cases)('%s %s asked %s shows %s', (kind, sync, asked, shown) => {
    expect(panelTabFor({ kind, sync }, asked)).toBe(shown);
  });
});

describe('safeReturnPath', () => {
  it('allows same-site paths only', () => {
    expect(safeReturnPath('/applications/x?sync=Synced')).toBe('/applications/x?sync=Synced');
    expect(safeReturnPath('/applications/argocd/x?node=apps%2FDeployment%2Fd%2Fx%2F0&tab=diff')).toBe('/applications/argocd/x?node=apps%2FDeployment%2Fd%2Fx%2F0&tab=diff');
    expect(safeReturnPath('//evil.example')).toBe('/applications');
    expect(safeReturnPath('https://evil.example')).toBe('/applications');
    expect(safeReturnPath('/\\evil.example')).toBe('/applications');
    expect(safeReturnPath('/login')).toBe('/applications');
    expect(safeReturnPath(null)).toBe('/applications');
  });
});
