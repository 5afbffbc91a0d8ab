// Reading errors thrown by @kubernetes/client-node. Its ApiException's message embeds the whole HTTP
// answer ("HTTP-Code: 403 Message: Unknown API Status Code! Body: …"); users need the API server's own
// Status message and the status code, nothing more.
import { messageOf } from '../errors.js';
import { isRecord } from './objects.js';

/** The HTTP status of a client-node ApiException (or anything shaped like one). */
export function kubeErrorStatus(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** The API server's own message from an ApiException body (JSON text or a parsed Status), else the error's message. */
export function kubeErrorMessage(err: unknown): string {
  let body = (err as { body?: unknown } | null)?.body;
  if (typeof body === 'string') {
    const text = body;
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      return text.slice(0, 500);
    }
  }
  if (isRecord(body) && typeof body['message'] === 'string') return body['message'];
  return messageOf(err);
}

/** `403 secrets "x" is forbidden: …` — status and the server's message, for error text shown to users. */
export function describeKubeError(err: unknown): string {
  const status = kubeErrorStatus(err);
  const message = kubeErrorMessage(err);
  return status === undefined ? message : `${status} ${message}`;
}
