// Waiting on an app after sync or rollback: live progress on stderr, the final tables on stdout.
import type { Application } from '../../../model/index.js';
import { appHeader, resourceTable } from '../../services/app-format.js';
import { assertOperationSucceeded, followApp, operationDone, ProgressReporter, type WaitGoals, goalsMet } from '../../services/app-watch.js';
import { errPaint, outPaint } from '../../services/io.js';
import type { Session } from '../../services/session.js';
import { note, out } from '../common.js';

/** Follows the operation to its end; prints the result; throws when it failed or timed out. */
export async function waitForOperation(s: Session, name: string, appNamespace: string | undefined, timeoutSeconds: number | undefined): Promise<Application> {
  const progress = new ProgressReporter(note, errPaint());
  const final = await followApp(
    s.client,
    name,
    (app) => {
      progress.update(app);
      return operationDone(app);
    },
    { appNamespace, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 },
  );
  printApp(s, final);
  assertOperationSucceeded(final, name);
  return final;
}

export async function waitForGoals(s: Session, name: string, appNamespace: string | undefined, goals: WaitGoals, timeoutSeconds: number | undefined): Promise<Application> {
  const progress = new ProgressReporter(note, errPaint());
  return followApp(
    s.client,
    name,
    (app) => {
      progress.update(app);
      return goalsMet(app, goals);
    },
    { appNamespace, timeoutMs: timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000 },
  );
}

export function printApp(s: Session, app: Application): void {
  const ns = app.metadata.namespace === undefined ? '' : `${app.metadata.namespace}/`;
  out(`${appHeader(app, `${s.client.baseUrl}/applications/${ns}${app.metadata.name}`, { showOperation: true })}\n${resourceTable(app, outPaint())}`);
}
