// What an API token request asks of the token, for an account's API key and a project role's token alike.

/** The body fields of a token request: lifetime in seconds (0 or absent: never expires) and an optional id. */
export interface TokenRequest {
  readonly expiresIn?: number | undefined;
  readonly id?: string | undefined;
}

/** The options a token is issued with: no expiry unless a positive lifetime is asked, no id unless one is named. */
export function tokenOptions(body: TokenRequest): { expiresInSec?: number; id?: string } {
  const { expiresIn, id } = body;
  return { ...(expiresIn === undefined || expiresIn <= 0 ? {} : { expiresInSec: expiresIn }), ...(id === undefined || id === '' ? {} : { id }) };
}
