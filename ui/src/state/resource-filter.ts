// Argo CD's resource filter, the `?resource=` of an application's URL: comma-separated `field:value`
// terms (`kind:Deployment,kind:Service,health:Degraded`). Terms on one field are alternatives, different
// fields must all match. Fields: kind, name (a substring), namespace, sync, health (case-insensitive).
// Terms this UI does not know are kept apart so the page can say it ignored them.
import type { TreeResource } from './tree';

export type FilterField = 'kind' | 'name' | 'namespace' | 'sync' | 'health';
const FIELDS: readonly FilterField[] = ['kind', 'name', 'namespace', 'sync', 'health'];

export interface ResourceFilter {
  readonly terms: ReadonlyMap<FilterField, readonly string[]>;
  /** Terms not understood here, as written. */
  readonly ignored: readonly string[];
}

export function parseResourceFilter(value: string | undefined): ResourceFilter {
  const terms = new Map<FilterField, string[]>();
  const ignored: string[] = [];
  for (const raw of (value ?? '').split(',')) {
    const term = raw.trim();
    if (term === '') continue;
    const colon = term.indexOf(':');
    const field = term.slice(0, colon).trim().toLowerCase() as FilterField;
    const wanted = term.slice(colon + 1).trim().toLowerCase();
    if (colon <= 0 || wanted === '' || !FIELDS.includes(field)) {
      ignored.push(term);
      continue;
    }
    terms.set(field, [...(terms.get(field) ?? []), wanted]);
  }
  return { terms, ignored };
}

export function isEmptyFilter(filter: ResourceFilter): boolean {
  return filter.terms.size === 0;
}

function valueOf(r: TreeResource, field: FilterField): string {
  switch (field) {
    case 'kind':
      return r.kind;
    case 'name':
      return r.name;
    case 'namespace':
      return r.namespace;
    case 'sync':
      return r.sync ?? '';
    case 'health':
      return r.health ?? '';
  }
}

export function matchesResourceFilter(r: TreeResource, filter: ResourceFilter): boolean {
  for (const [field, wanted] of filter.terms) {
    const have = valueOf(r, field).toLowerCase();
    if (!wanted.some((w) => (field === 'name' ? have.includes(w) : have === w))) return false;
  }
  return true;
}
