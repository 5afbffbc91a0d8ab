// Validation errors of the sync planner, returned as data (the planner is pure and reports every
// problem at once, so a user fixes all their annotations in one go). The codes are stable; they are
// meant for the catalogue in src/errors.ts when the controller wraps them in a UserError.

export const syncErrorCodes = {
  /** An Argo CD or Helm annotation on a managed object has a value kawa cannot use. */
  ANNOTATION_INVALID: 'KAWA_SYNC_ANNOTATION_INVALID',
  /** A sync option (Application, operation or resource annotation) has an invalid value. */
  SYNC_OPTION_INVALID: 'KAWA_SYNC_OPTION_INVALID',
  /** An object has neither `name` nor (for hooks) `generateName`, or `generateName` on a non-hook. */
  NAME_INVALID: 'KAWA_SYNC_NAME_INVALID',
  /** The same object appears twice among the desired objects. */
  DUPLICATE_RESOURCE: 'KAWA_SYNC_DUPLICATE_RESOURCE',
  /** `FailOnSharedResource=true` and another Application already tracks the object. */
  SHARED_RESOURCE: 'KAWA_SYNC_SHARED_RESOURCE',
} as const;

export type SyncErrorCode = (typeof syncErrorCodes)[keyof typeof syncErrorCodes];

export interface SyncValidationError {
  readonly code: SyncErrorCode;
  /** The object at fault (`batch/Job shop/db-migrate`), or `Application` for app-level options. */
  readonly object: string;
  /** The annotation (or `spec.syncPolicy.syncOptions`) that holds the bad value, when there is one. */
  readonly source?: string;
  /** The offending value, verbatim. */
  readonly value?: string;
  /** A full sentence naming the object, the value and what would be accepted. */
  readonly message: string;
}

export function validationError(
  code: SyncErrorCode,
  object: string,
  message: string,
  details: { source?: string; value?: string } = {},
): SyncValidationError {
  return { code, object, message: `${object}: ${message}`, ...details };
}
