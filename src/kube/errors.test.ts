import { describe, expect, it } from 'vitest';
import { describeKubeError, kubeErrorMessage, kubeErrorStatus } from './errors.js';

// Shaped like client-node's ApiException: a code, a body holding the API server's Status, and a long message.
const forbidden = {
  code: 403,
  body: JSON.stringify({ kind: 'Status', status: 'Failure', message: 'secrets "argocd-secret" is forbidden: no', reason: 'Forbidden', code: 403 }),
  message: 'HTTP-Code: 403\nMessage: Unknown API Status Code!\nBody: "…"\nHeaders: {…}',
};

describe('client-node errors', () => {
  it.each([
    ['a Status in a JSON body', forbidden, 403, 'secrets "argocd-secret" is forbidden: no'],
    ['a parsed Status', { code: 404, body: { message: 'not found' } }, 404, 'not found'],
    ['a non-JSON body', { code: 502, body: 'Bad Gateway' }, 502, 'Bad Gateway'],
    ['a plain Error', new Error('connect ECONNREFUSED'), undefined, 'connect ECONNREFUSED'],
  ])('reads %s', (_what, err, status, message) => {
    expect(kubeErrorStatus(err)).toBe(status);
    expect(kubeErrorMessage(err)).toBe(message);
  });

  it('describes status and message together', () => {
    expect(describeKubeError(forbidden)).toBe('403 secrets "argocd-secret" is forbidden: no');
  });
});
