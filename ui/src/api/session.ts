// /api/v1/session: log in (sets the HttpOnly argocd.token cookie), log out, who am I.
import { ApiError, http, request } from './http';
import type { UserInfo } from './types';

export const sessionService = {
  login: (username: string, password: string) => request<{ token: string }>('/api/v1/session', { method: 'POST', body: { username, password }, expect401: true }),
  logout: () => http.del<unknown>('/api/v1/session'),
  /** Resolves with loggedIn false instead of failing when there is no valid session. */
  userInfo: async (): Promise<UserInfo> => {
    try {
      return await request<UserInfo>('/api/v1/session/userinfo', { expect401: true });
    } catch (err) {
      if (err instanceof ApiError && err.kind === 'unauthenticated') return { loggedIn: false };
      throw err;
    }
  },
  /** Where the browser goes to log in with SSO (Argo CD's /auth/login). */
  ssoLoginUrl: (returnTo: string) => `/auth/login?return_url=${encodeURIComponent(returnTo)}`,
};
