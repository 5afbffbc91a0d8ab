// Go's strconv.ParseBool: how Argo CD reads every boolean it stores as text (Secrets, argocd-cm) or
// takes as a query parameter. One copy, so a value means the same wherever kawa reads it.

/** The words strconv.ParseBool reads as true. */
export const GO_TRUE_WORDS = ['1', 't', 'T', 'TRUE', 'true', 'True'] as const;
/** The words strconv.ParseBool reads as false. */
export const GO_FALSE_WORDS = ['0', 'f', 'F', 'FALSE', 'false', 'False'] as const;

/** true or false as Go reads `raw`; undefined when Go would refuse it. */
export function parseGoBool(raw: string): boolean | undefined {
  if ((GO_TRUE_WORDS as readonly string[]).includes(raw)) return true;
  if ((GO_FALSE_WORDS as readonly string[]).includes(raw)) return false;
  return undefined;
}
