// RBAC in Argo CD's format: argocd-rbac-cm policies, built-in roles, project roles; see enforcer.ts.
export {
  customAction,
  parseApplicationAction,
  resourceAction,
  type ApplicationAction,
  type ResourceCoordinates,
  type ResourceVerb,
} from './actions.js';
export { buildEnforcer, Enforcer, groupsFromClaims, type Decision, type EnforcerOptions, type RbacSubject } from './enforcer.js';
export { BUILTIN_POLICY_CSV, PROJECT_SCOPED_RESOURCES, RBAC_RESOURCES, type RbacResource } from './builtin.js';
export { compilePattern, globToRegexSource, type MatchMode } from './match.js';
export {
  DEFAULT_SCOPES,
  parsePolicyLine,
  parseRbacConfigMap,
  parseScopes,
  type GroupingRule,
  type PolicyRule,
  type RbacConfig,
  type Rule,
} from './policy.js';
export {
  isProjectRoleNamespace,
  loadProjectRoles,
  parseProjectRoleSubject,
  projectRoleRules,
  projectRoleSubject,
  type JwtTokenRef,
  type ProjectRole,
} from './projects.js';
export { RbacService, type UpdateResult } from './service.js';
