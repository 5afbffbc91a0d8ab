// RFC 6901 JSON pointers: `/a/b~1c/0` addresses a → "b/c" → element 0.

export type PathSegment = string | number;

export function encodePointer(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    out += '/' + String(segment).replaceAll('~', '~0').replaceAll('/', '~1');
  }
  return out;
}

/** Segments of a pointer, unescaped; undefined when it is not a pointer (it must be empty or start with `/`). */
export function decodePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  // ~1 before ~0, as RFC 6901 says: the other order would turn "~01" into "/" instead of "~1".
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replaceAll('~1', '/').replaceAll('~0', '~'));
}

/** The list index a segment addresses (`3` or `"3"`), or -1 when it is not one (`"03"`, `"-"`, a key). */
export function listIndex(segment: PathSegment): number {
  return typeof segment === 'number' ? segment : /^(0|[1-9]\d*)$/.test(segment) ? Number(segment) : -1;
}
