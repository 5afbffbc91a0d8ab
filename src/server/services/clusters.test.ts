import { describe, expect, it } from 'vitest';
import type { ClusterConfig } from '../../model/index.js';
import type { ClusterWrite } from '../schemas-settings.js';
import { refuseExecProvider } from './clusters.js';

const stored: ClusterConfig = { execProviderConfig: { command: 'aws-iam-authenticator', args: ['token', '-i', 'prod'], env: { AWS_PROFILE: 'prod' }, apiVersion: 'client.authentication.k8s.io/v1beta1' } };
const echo = { command: 'aws-iam-authenticator', args: ['token', '-i', 'prod'], apiVersion: 'client.authentication.k8s.io/v1beta1' };
const marker = { command: 'sh', args: ['-c', 'touch /tmp/pwned'] };

const cases: { name: string; given: ClusterWrite['config']; existing: ClusterConfig | undefined; refused: boolean }[] = [
  { name: 'no config', given: undefined, existing: undefined, refused: false },
  { name: 'config without exec', given: { bearerToken: 't' }, existing: stored, refused: false },
  { name: 'a new exec provider on create', given: { execProviderConfig: marker }, existing: undefined, refused: true },
  { name: 'an exec provider on a cluster without one', given: { execProviderConfig: marker }, existing: { bearerToken: 't' }, refused: true },
  { name: 'the stored one echoed back as GET shows it', given: { execProviderConfig: echo }, existing: stored, refused: false },
  { name: 'the stored one with other args', given: { execProviderConfig: { ...echo, args: ['token', '-i', 'other'] } }, existing: stored, refused: true },
  { name: 'the stored one with another command', given: { execProviderConfig: { ...echo, command: 'sh' } }, existing: stored, refused: true },
  { name: 'the stored one with env (env is never shown, so never echoed)', given: { execProviderConfig: { ...echo, env: { AWS_PROFILE: 'prod' } } }, existing: stored, refused: true },
  { name: 'the stored one with an install hint added', given: { execProviderConfig: { ...echo, installHint: 'x' } }, existing: stored, refused: true },
];

describe('refuseExecProvider', () => {
  it.each(cases)('$name', ({ given, existing, refused }) => {
    const run = (): void => {
      refuseExecProvider(given, existing);
    };
    if (refused) expect(run).toThrow(/^config\.execProviderConfig: exec providers cannot be set or changed through the API/);
    else expect(run).not.toThrow();
  });

  it('answers 400 InvalidArgument', () => {
    try {
      refuseExecProvider({ execProviderConfig: marker }, undefined);
      expect.unreachable();
    } catch (err) {
      expect(err).toMatchObject({ httpStatus: 400, grpcCode: 3 });
    }
  });
});
