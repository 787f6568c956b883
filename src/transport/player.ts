/**
 * A client and its database serve one player: once a token with a `sub` has been seen, a token
 * for another subject is refused before it is used, or that player's purchases would be granted
 * here and acked away from them.
 */
import { AuthError } from '../errors';
import { readJwtClaims, type TokenSource } from './token';

export function bindToOnePlayer(source: TokenSource): TokenSource {
  let subject: string | undefined;
  const check = (token: string) => {
    const { sub } = readJwtClaims(token);
    subject ??= sub;
    if (sub !== undefined && sub !== subject) {
      throw new AuthError("the token belongs to another player than this client's; create a new client for them");
    }
    return token;
  };
  return {
    get: async (signal) => check(await source.get(signal)),
    refresh: async (rejected, signal) => {
      const token = await source.refresh(rejected, signal);
      return token === undefined ? undefined : check(token);
    },
    replace: (input) => source.replace(input),
    accepted: (token) => source.accepted(token),
    retry: () => source.retry(),
  };
}
