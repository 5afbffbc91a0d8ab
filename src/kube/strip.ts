// What the live-state cache keeps of an object. Memory matters (a cluster holds tens of thousands of
// objects), so the cache drops what no consumer reads:
//
//   kept     everything under spec/data/status and metadata — health reads status, the tree reads
//            ownerReferences, the app index reads labels and annotations, the diff reads everything
//            else including metadata.managedFields (field ownership detects fields removed from Git,
//            and ignoreDifferences.managedFieldsManagers names other managers' fields);
//   dropped  the `kubectl.kubernetes.io/last-applied-configuration` annotation (a second copy of the
//            object, often the largest field; the diff strips it on both sides anyway),
//            managedFields entries of the `status` subresource (they only describe status, which the diff
//            ignores; for Pods the kubelet's entry is the biggest one), `metadata.selfLink`,
//            and Node `status.images` (hundreds of image names per node that health never looks at).
import { groupOf, isRecord, type KubeObject } from './objects.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';

/** Strips `obj` in place (the cache owns freshly parsed objects) and returns it. */
export function stripForCache(obj: KubeObject): KubeObject {
  const meta = obj.metadata;
  if (isRecord(meta)) {
    if (isRecord(meta.annotations) && LAST_APPLIED_ANNOTATION in meta.annotations) {
      const { [LAST_APPLIED_ANNOTATION]: _dropped, ...rest } = meta.annotations;
      if (Object.keys(rest).length === 0) delete meta.annotations;
      else meta.annotations = rest;
    }
    if (Array.isArray(meta.managedFields)) {
      const kept = meta.managedFields.filter((entry) => !(isRecord(entry) && entry['subresource'] === 'status'));
      if (kept.length !== meta.managedFields.length) meta.managedFields = kept;
    }
    delete meta['selfLink'];
  }
  if (obj.kind === 'Node' && groupOf(obj.apiVersion) === '' && isRecord(obj['status'])) {
    delete obj['status']['images'];
  }
  return obj;
}
