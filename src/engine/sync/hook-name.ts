// Names for hooks that only have `generateName`. The API server would pick a random suffix, so a
// controller restarted mid-operation could not tell its own hook from a new one and would create a
// duplicate. Deriving the suffix from the operation instead makes re-planning yield the same name.

import { createHash } from 'node:crypto';

/** Kubernetes' own generateName alphabet: no vowels (no accidental words), no 0/1/3 look-alikes. */
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const SUFFIX_LENGTH = 8;
/** Jobs label their Pods with their name, so a hook name must also fit in a 63-character label. */
const MAX_NAME_LENGTH = 63;

export interface HookNameSeed {
  /** The manifest's `generateName`. */
  readonly prefix: string;
  /** Stable for one operation (e.g. sync revision + `operationState.startedAt`), new for the next. */
  readonly operationId: string;
  readonly phase: string;
  /**
   * Tells apart hooks with the same prefix and phase: group/kind, namespace and the position among
   * identical manifests.
   */
  readonly discriminator: string;
}

export function generateHookName(seed: HookNameSeed): string {
  const digest = createHash('sha256')
    .update([seed.prefix, seed.operationId, seed.phase, seed.discriminator].join('\0'))
    .digest();
  let suffix = '';
  for (let i = 0; i < SUFFIX_LENGTH; i++) suffix += ALPHABET.charAt(digest.readUInt8(i) % ALPHABET.length);
  return seed.prefix.slice(0, MAX_NAME_LENGTH - SUFFIX_LENGTH) + suffix;
}
