// Glob patterns as argocd-cm uses them for API groups, kinds and cluster URLs in `resource.exclusions`
// and `resource.inclusions`: Argo CD's util/glob without a separator, the same dialect as AppProject
// fields, so the matcher is src/model/glob.ts's: `*` (any run, `/` and `.` included), `?` (one
// character), `[abc]` / `[a-z]` / `[!abc]`, `{a,b}` (alternatives), `\` escapes.
//
// The one difference is kept as kube always had it (glob.test.ts pins it): a malformed pattern
// (`{unclosed`, `[z-a]`, a trailing `\`) matches literally, where Argo CD and AppProject matching
// match nothing. Case-sensitive, like Argo CD; compiled once and cached, since filters run on every
// discovered type.
import { globMatchLiteralFallback } from '../model/glob.js';

/** Whether `value` matches the glob `pattern` as a whole. */
export function globMatch(pattern: string, value: string): boolean {
  return globMatchLiteralFallback(pattern, value);
}
