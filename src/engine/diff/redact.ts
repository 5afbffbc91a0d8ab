// Secrets are compared on their real values, but no value may leave the diff. Like Argo CD, each distinct
// value gets its own mask of `+` (8, 9, 10, … characters), so a user sees *that* two values differ, or that
// two keys share a value, without seeing either.

import { isSecret } from './normalize.js';
import { decodePointer } from './pointer.js';
import type { Difference, KubeObject } from './types.js';
import { isRecord } from './values.js';

const SECRET_MAPS = ['data', 'stringData'] as const;
const MASK_CHAR = '+';
const MASK_MIN_LENGTH = 8;

/** Assigns masks to values in a fixed order: the same value always gets the same mask in one diff. */
export class SecretMasks {
  readonly #masks = new Map<string, string>();

  /** Registers every value of the Secret's `data` and `stringData`, keys in sorted order. */
  addSecret(obj: KubeObject | undefined): this {
    if (!obj) return this;
    for (const field of SECRET_MAPS) {
      const map = obj[field];
      if (!isRecord(map)) continue;
      for (const key of Object.keys(map).sort()) this.mask(map[key]);
    }
    return this;
  }

  mask(value: unknown): string {
    // Prefixed so a non-string (never valid in a Secret, but possible in a bad render) cannot collide with a string.
    const id = typeof value === 'string' ? value : `json:${(JSON.stringify(value) as string | undefined) ?? 'undefined'}`;
    let mask = this.#masks.get(id);
    if (mask === undefined) {
      mask = MASK_CHAR.repeat(MASK_MIN_LENGTH + this.#masks.size);
      this.#masks.set(id, mask);
    }
    return mask;
  }

  maskMap(map: unknown): unknown {
    // Null (`data:` with no value) is absent to the API server: nothing to hide.
    if (map === undefined || map === null) return map;
    if (!isRecord(map)) return this.mask(map);
    return Object.fromEntries(Object.entries(map).map(([key, value]) => [key, this.mask(value)]));
  }
}

/** A copy of a Secret with every `data`/`stringData` value masked (for showing whole objects). */
export function redactSecret(obj: KubeObject, masks: SecretMasks): KubeObject {
  return isSecret(obj) ? maskSecretMaps(obj, masks) : obj;
}

function maskSecretMaps(obj: KubeObject, masks: SecretMasks): KubeObject {
  const out: KubeObject = { ...obj };
  for (const field of SECRET_MAPS) {
    if (field in obj) out[field] = masks.maskMap(obj[field]);
  }
  return out;
}

function redactAt(path: string, value: unknown, masks: SecretMasks): unknown {
  if (value === undefined) return undefined;
  const segments = decodePointer(path) ?? [];
  const [top] = segments;
  if (top === undefined) return isRecord(value) ? maskSecretMaps(value, masks) : masks.mask(value);
  if (top !== 'data' && top !== 'stringData') return value;
  return segments.length === 1 ? masks.maskMap(value) : masks.mask(value);
}

/**
 * Masks the Secret values in differences. `desired` and `live` are the objects the differences came from;
 * their values fix the mask order. Differences of other kinds are returned as they are.
 */
export function redactDifferences(differences: readonly Difference[], desired: KubeObject, live: KubeObject | undefined): Difference[] {
  if (!isSecret(desired) && !(live && isSecret(live))) return [...differences];
  const masks = new SecretMasks().addSecret(desired).addSecret(live);
  return differences.map((difference) => {
    const out: Difference = { path: difference.path, kind: difference.kind };
    if ('desired' in difference) out.desired = redactAt(difference.path, difference.desired, masks);
    if ('live' in difference) out.live = redactAt(difference.path, difference.live, masks);
    return out;
  });
}
