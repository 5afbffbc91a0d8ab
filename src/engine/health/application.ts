// argoproj.io/Application: no built-in health since Argo CD 1.8. A child app's health would
// otherwise bubble up into the parent in app-of-apps and block it on every child's rollout;
// users who want that opt in with a custom check (Argo CD documents a Lua snippet for it).
import type { HealthResult, KubeObject } from './types.js';

export function applicationHealth(_obj: KubeObject): HealthResult | undefined {
  return undefined;
}
