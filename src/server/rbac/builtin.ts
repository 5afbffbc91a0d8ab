// The built-in roles every installation has, written from Argo CD's documented behaviour (rbac.md):
// role:readonly can `get` every resource; role:admin can do everything and inherits role:readonly; the
// `admin` user is an admin. Objects are a bare `*`, which matches any object (including `<project>/<app>`
// and `<project>/<ns>/<app>`) in both glob and regex mode. These rules are always matched as globs so
// that `update/*` keeps its meaning when the operator picks `policy.matchMode: regex`.
//
// The action lists follow the resource/action table in rbac.md; `update/*` and `delete/*` cover an
// application's managed resources, which since Argo CD 3.0 plain `update`/`delete` no longer do.
export const BUILTIN_POLICY_CSV = `
p, role:readonly, applications, get, *, allow
p, role:readonly, applicationsets, get, *, allow
p, role:readonly, certificates, get, *, allow
p, role:readonly, clusters, get, *, allow
p, role:readonly, repositories, get, *, allow
p, role:readonly, projects, get, *, allow
p, role:readonly, accounts, get, *, allow
p, role:readonly, gpgkeys, get, *, allow
p, role:readonly, logs, get, *, allow

p, role:admin, applications, create, *, allow
p, role:admin, applications, update, *, allow
p, role:admin, applications, update/*, *, allow
p, role:admin, applications, delete, *, allow
p, role:admin, applications, delete/*, *, allow
p, role:admin, applications, sync, *, allow
p, role:admin, applications, override, *, allow
p, role:admin, applications, action/*, *, allow
p, role:admin, applicationsets, create, *, allow
p, role:admin, applicationsets, update, *, allow
p, role:admin, applicationsets, delete, *, allow
p, role:admin, certificates, create, *, allow
p, role:admin, certificates, delete, *, allow
p, role:admin, clusters, create, *, allow
p, role:admin, clusters, update, *, allow
p, role:admin, clusters, delete, *, allow
p, role:admin, repositories, create, *, allow
p, role:admin, repositories, update, *, allow
p, role:admin, repositories, delete, *, allow
p, role:admin, projects, create, *, allow
p, role:admin, projects, update, *, allow
p, role:admin, projects, delete, *, allow
p, role:admin, accounts, update, *, allow
p, role:admin, gpgkeys, create, *, allow
p, role:admin, gpgkeys, delete, *, allow
p, role:admin, exec, create, *, allow
p, role:admin, extensions, invoke, *, allow

g, role:admin, role:readonly
g, admin, role:admin
`;

/** The resources Argo CD's RBAC knows (rbac.md); a policy may name others, which simply never match. */
export const RBAC_RESOURCES = [
  'applications',
  'applicationsets',
  'clusters',
  'projects',
  'repositories',
  'accounts',
  'certificates',
  'gpgkeys',
  'logs',
  'exec',
  'extensions',
] as const;

export type RbacResource = (typeof RBAC_RESOURCES)[number];

/** Resources whose objects are `<project>/<name>` (or `<project>/<namespace>/<name>`). */
export const PROJECT_SCOPED_RESOURCES: ReadonlySet<string> = new Set(['applications', 'applicationsets', 'logs', 'exec']);
