// The account an `account` verb acts on: the one given with --account, else the logged-in user.
import type { ApiClient } from '../../services/api.js';
import { sessionApi } from '../../services/api/session.js';

export async function accountOrSelf(client: ApiClient, account: string | undefined): Promise<string> {
  return account ?? (await sessionApi(client).userInfo()).username ?? '';
}
