// Validation errors of the sync planner, returned as data (the planner is pure and reports every
// problem at once, so a user fixes all their annotations in one go). The codes live in the catalogue
// (src/errors.ts); this names the subset the planner uses.
import { errorCodes } from '../../errors.js';

export const syncErrorCodes = {
  ANNOTATION_INVALID: errorCodes.SYNC_ANNOTATION_INVALID,
  SYNC_OPTION_INVALID: errorCodes.SYNC_OPTION_INVALID,
  NAME_INVALID: errorCodes.SYNC_NAME_INVALID,
  DUPLICATE_RESOURCE: errorCodes.SYNC_DUPLICATE_RESOURCE,
  SHARED_RESOURCE: errorCodes.SYNC_SHARED_RESOURCE,
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
