// Lua custom health checks in Argo CD's format: `argocd-cm` customizations, and the runtime that runs them.
//   const runtime = await LuaHealthRuntime.create();
//   const custom = luaHealthCheck(parseHealthCustomizations(argocdCm.data), runtime);
//   assessHealth(obj, { custom });
export { DEFAULT_MEMORY_LIMIT_BYTES, DEFAULT_TIMEOUT_MS, LuaHealthRuntime } from './runtime.js';
export type { LuaHealthOutcome, LuaHealthScript, LuaRuntimeOptions } from './runtime.js';
export {
  CUSTOMIZATIONS_KEY,
  assertNoProblems,
  configMapKey,
  globToRegExp,
  luaHealthCheck,
  parseHealthCustomizations,
} from './customizations.js';
export type { HealthCustomization, HealthCustomizations, LuaHealthCheckOptions } from './customizations.js';
export { parseYamlStream, parseYamlValue } from './yaml.js';
export type { YamlDocument, YamlProblem, YamlStream } from './yaml.js';
