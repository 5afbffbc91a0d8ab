// /api/v1/account (Argo CD's AccountService): local accounts, their tokens, passwords and RBAC checks.
import { seg, type ApiClient } from '../api.js';

export interface AccountInfo {
  name: string;
  enabled?: boolean;
  capabilities?: string[];
  tokens?: { id?: string; issuedAt?: string | number; expiresAt?: string | number }[];
}

export interface PasswordChange {
  /** The account to change (the caller's own when empty). */
  name: string;
  currentPassword: string;
  newPassword: string;
}

export interface TokenRequest {
  /** Lifetime in seconds (0: no expiry). */
  expiresIn: number;
  id?: string | undefined;
}

const base = '/api/v1/account';
const one = (name: string): string => `${base}/${seg(name)}`;

export function accountsApi(client: ApiClient) {
  return {
    list: () => client.call<{ items?: AccountInfo[] }>('GET', base),
    get: (name: string) => client.call<AccountInfo>('GET', one(name)),
    /** `yes` or `no`: whether the caller may do `action` on `resource` `object`. */
    canI: (action: string, resource: string, object: string) => client.call<{ value?: string }>('GET', `${base}/can-i/${seg(resource)}/${seg(action)}/${seg(object)}`),
    updatePassword: (change: PasswordChange) => client.call<unknown>('PUT', `${base}/password`, { body: change }),
    createToken: (name: string, request: TokenRequest) =>
      client.call<{ token?: string }>('POST', `${one(name)}/token`, { body: { name, expiresIn: request.expiresIn, ...(request.id === undefined ? {} : { id: request.id }) } }),
    deleteToken: (name: string, id: string) => client.call<unknown>('DELETE', `${one(name)}/token/${seg(id)}`),
  };
}
