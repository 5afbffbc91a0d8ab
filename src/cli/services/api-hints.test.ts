// Each cause of a refusal gets the hint that fits it: by the server's reason, else the gRPC code, else
// the HTTP status. The bodies are the ones kawa's server answers (see src/server/http-errors.ts).
import { describe, expect, it } from 'vitest';
import { apiReasons, type ApiReason } from '../../errors.js';
import { hintFor, hintForReason, readErrorBody } from './api-hints.js';
import { kawaCommand } from './kawa-command.js';

const target = { server: 'kawa:8080', token: 'tok', baseUrl: 'https://kawa:8080' };
const k = (args: string): string => `\`${kawaCommand(args)}\``;

/** A kawa error body with a reason. */
const body = (code: number, message: string, reason?: string, metadata?: Record<string, string>): string =>
  JSON.stringify({
    error: message,
    code,
    message,
    ...(reason === undefined ? {} : { details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason, domain: 'kawa.dev', ...(metadata === undefined ? {} : { metadata }) }] }),
  });

const hintOf = (status: number, text: string, t = target): string => hintFor(readErrorBody(status, text), 'POST /api/v1/x', t);

describe('hint by cause', () => {
  // [cause, status, body, a hint that must appear, a hint that must not]
  it.each<[string, number, string, string, RegExp | undefined]>([
    ['app exists with another spec', 409, body(6, 'existing application spec is different, use upsert flag to force update', 'SPEC_DIFFERS', { application: 'web' }), 'run the same command with --upsert', /terminate-op/],
    ['project exists with another spec', 409, body(6, 'existing project spec is different, use upsert flag to force update', 'SPEC_DIFFERS', { project: 'team' }), '--upsert', undefined],
    ['cluster name taken', 409, body(6, 'a cluster named prod already exists', 'NAME_TAKEN', { cluster: 'prod' }), `choose another name, or remove that one first (${k('cluster list')})`, /--upsert/],
    ['operation in progress', 409, body(9, 'another operation is already in progress', 'OPERATION_IN_PROGRESS', { application: 'web' }), `wait for the running operation (${k('app wait web --operation')}) or stop it (${k('app terminate-op web')})`, /--upsert/],
    ['rollback with automated sync', 409, body(9, 'rollback cannot be initiated when auto-sync is enabled', 'AUTO_SYNC_ENABLED', { application: 'web' }), `turn it off first with ${k('app set web --sync-policy none')}`, /--upsert|terminate-op/],
    ['local sync with automated sync', 409, body(9, 'cannot use local sync when Automatic Sync Policy is enabled unless for dry run', 'AUTO_SYNC_ENABLED', { application: 'web' }), '--sync-policy none', /--upsert/],
    ['app in another namespace with automated sync', 409, body(9, 'rollback cannot be initiated when auto-sync is enabled', 'AUTO_SYNC_ENABLED', { application: 'team-a/web' }), k('app set team-a/web --sync-policy none'), undefined],
    ['app being deleted', 409, body(9, 'application is deleting', 'APP_DELETING', { application: 'web' }), `web is being deleted: wait until it is gone (${k('app get web')}`, /--upsert/],
    ['rollback to a pre-0.11 entry', 409, body(9, 'cannot rollback to revision deployed with Argo CD v0.11 or lower. sync to revision instead.', 'HISTORY_SOURCE_MISSING', { application: 'web' }), k('app sync web --revision REVISION'), /--upsert/],
    ['project still used', 409, body(9, 'project is referenced by 2 applications', 'PROJECT_IN_USE', { project: 'team' }), k('app list --project team'), /--upsert/],
    ['too many concurrent writes', 409, body(10, 'could not update application web: too many concurrent changes; retry', 'CONCURRENT_CHANGES'), 'run the command again', /--upsert/],
    ['terminate with no operation', 400, body(3, 'Unable to terminate operation. No operation is in progress', 'NO_OPERATION', { application: 'web' }), `there is nothing to stop (${k('app get web --show-operation')}`, /fix the input/],
    ['rollback to an unknown ID', 400, body(3, 'application web does not have deployment with id 7', 'HISTORY_NOT_FOUND', { application: 'web' }), k('app history web'), /fix the input/],
    ['unknown project', 400, body(3, 'application references project nope which does not exist', 'PROJECT_NOT_FOUND', { project: 'nope' }), `create project nope (${k('proj create nope')}) or name an existing one with --project (${k('proj list')})`, undefined],
    ['a malformed spec', 400, body(3, 'invalid request body: spec.project: required'), 'fix the input named above', undefined],
    ['project forbids source or destination', 403, body(7, 'application spec is not permitted by its project: destination x is not permitted', 'PROJECT_NOT_PERMITTED', { application: 'web', project: 'team' }), `${k('proj add-destination team SERVER NAMESPACE')}, ${k('proj add-source team REPO')}`, /can-i/],
    ['app namespace not enabled', 403, body(7, "applications in namespace 'other' are not permitted", 'NAMESPACE_NOT_ENABLED', { namespace: 'other' }), 'manages no applications in namespace other', /can-i/],
    ['password change with an API key', 403, body(7, 'passwords can only be changed from a login session of a local account', 'LOGIN_SESSION_REQUIRED'), k('login SERVER --username ACCOUNT'), /can-i/],
    ['RBAC refusal or missing app', 403, body(7, 'permission denied'), `check the name, and the permission with ${k('account can-i ACTION RESOURCE OBJECT')}`, undefined],
    ['no such object', 404, body(5, 'applications.argoproj.io "web" not found'), 'check the name', /upgrade/],
    ['no such route', 404, body(5, 'no route for GET /api/v1/x'), 'does not offer POST /api/v1/x yet: upgrade the server', undefined],
    ['expired session', 401, body(16, 'token expired'), `run ${k('relogin')}`, undefined],
    ['throttled', 429, body(8, 'too many login attempts'), 'wait a minute', undefined],
    ['a proxy page', 502, '<html>bad gateway</html>', 'the server failed: retry', undefined],
    // Argo CD sends no reasons: its gRPC code still tells these apart (FailedPrecondition is HTTP 400 there).
    ['Argo CD: exists with another spec', 409, body(6, 'existing application spec is different, use upsert flag to force update'), '--upsert', undefined],
    ['Argo CD: rollback with automated sync', 400, body(9, 'rollback cannot be initiated when auto-sync is enabled'), 'the message above says what must change first', /fix the input|--upsert/],
    ['Argo CD: concurrent change', 409, body(10, 'the object has been modified'), 'run the command again', /--upsert/],
    ['a reason this CLI does not know yet', 409, body(9, 'something new', 'SOMETHING_NEW'), 'the message above says what must change first', undefined],
  ])('%s', (_cause, status, text, wanted, unwanted) => {
    const hint = hintOf(status, text);
    expect(hint).toContain(wanted);
    if (unwanted !== undefined) expect(hint).not.toMatch(unwanted);
  });

  it('401 without a token says to log in', () => {
    expect(hintOf(401, '{}', { ...target, token: '' })).toBe(`you are not logged in to kawa:8080: run ${k('login kawa:8080')} (or pass --auth-token)`);
  });

  it.each(Object.values(apiReasons))('%s has a hint of its own, and its commands use the printed form of kawa', (reason: ApiReason) => {
    const hint = hintForReason(reason, { application: 'web', project: 'team', namespace: 'other', cluster: 'prod' });
    expect(hint).not.toBe('');
    // Every command in a hint is written through kawaCommand (never a bare `kawa …` unless that is the prefix).
    for (const [, command] of hint.matchAll(/`([^`]*)`/g)) {
      if (command !== undefined && /^(kawa|npx|node|\/)/.test(command)) expect(command.startsWith(kawaCommand(''))).toBe(true);
    }
  });
});

describe('readErrorBody', () => {
  it('reads the message, the gRPC code and a kawa reason with its metadata', () => {
    expect(readErrorBody(409, body(9, 'busy', 'OPERATION_IN_PROGRESS', { application: 'web' }))).toEqual({
      status: 409,
      grpcCode: 9,
      reason: 'OPERATION_IN_PROGRESS',
      metadata: { application: 'web' },
      message: 'busy',
    });
  });
  it('ignores ErrorInfo of another domain and non-JSON bodies', () => {
    const other = JSON.stringify({ message: 'm', code: 9, details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'AUTO_SYNC_ENABLED', domain: 'example.com' }] });
    expect(readErrorBody(409, other).reason).toBeUndefined();
    expect(readErrorBody(502, ' oops ')).toEqual({ status: 502, grpcCode: undefined, reason: undefined, metadata: {}, message: 'oops' });
  });
  it('caps a long message', () => {
    expect(readErrorBody(500, 'x'.repeat(600)).message).toHaveLength(501);
  });
});
