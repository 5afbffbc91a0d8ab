// /api/v1/session (Argo CD's SessionService): log in, log out, who am I.
import type { ApiClient } from '../api.js';

export interface UserInfo {
  loggedIn?: boolean;
  username?: string;
  iss?: string;
  groups?: string[];
}

const base = '/api/v1/session';

export function sessionApi(client: ApiClient) {
  return {
    /** A session token for a username and password (sent without any token of ours). */
    create: (username: string, password: string) => client.call<{ token?: string }>('POST', base, { body: { username, password }, anonymous: true }),
    delete: () => client.call<unknown>('DELETE', base),
    userInfo: () => client.call<UserInfo>('GET', `${base}/userinfo`),
  };
}
