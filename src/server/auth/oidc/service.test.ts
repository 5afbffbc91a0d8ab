// Identities from the claims of a verified id_token.
import { describe, expect, it } from 'vitest';
import { identityOf } from './service.js';

describe('identityOf', () => {
  it('takes sub, email, and the groups of the claims argocd-rbac-cm scopes names', () => {
    const claims = { sub: 'u1', iss: 'https://idp', email: 'u1@example.com', groups: ['a', 'b'], roles: 'r' };
    expect(identityOf(claims, ['groups'])).toEqual({ sub: 'u1', issuer: 'https://idp', groups: ['a', 'b'], email: 'u1@example.com' });
    expect(identityOf(claims, ['groups', 'email', 'roles']).groups).toEqual(['a', 'b', 'u1@example.com', 'r']);
  });
});
