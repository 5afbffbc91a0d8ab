// /api/v1/account (Argo CD's AccountService).
import { http } from './http';
import type { Account, ListOf } from './types';

export const accountService = {
  list: () => http.get<ListOf<Account>>('/api/v1/account'),
};
