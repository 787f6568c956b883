/**
 * One save, one Xsolla player. The game's `userId` only names the save; the player is the
 * token's `sub`, recorded in the save by the first token used with it. Every token is checked
 * against that record before anything is sent with it: a `userId` left over from the last
 * player's session would otherwise have the next player's purchases granted into the last
 * player's save and acked away from them. The record is in the save, so every tab and every
 * later session of that save sees it.
 */
import { AuthError } from '../errors';
import { readJwtClaims, type TokenSource } from './token';

/** The Xsolla player a token names (its JWT `sub`), or undefined for an opaque token. */
export const playerOf = (token: string): string | undefined => readJwtClaims(token).sub || undefined;

export const NO_PLAYER_MESSAGE = 'userId is required when the token is not a JWT with a "sub"';

/** The player a token names, when it alone names the save (no `userId`). */
export function requirePlayer(token: string): string {
  const sub = playerOf(token);
  // An AuthError, not an InvalidArgumentError: the loop pauses until the game gives another token.
  if (sub === undefined) throw new AuthError(NO_PLAYER_MESSAGE);
  return sub;
}

/**
 * `source`, with each token checked before use. `userId` is the game's own name for the save, if
 * it gave one; `recordPlayer(sub)` records `sub` in the save unless a player is recorded already,
 * and resolves with the recorded one.
 */
export function bindToOnePlayer(
  source: TokenSource,
  userId: string | undefined,
  recordPlayer: (sub: string) => Promise<string>,
): TokenSource {
  // The save's player, once read or recorded: it never changes.
  let recorded: string | undefined;
  const check = async (token: string) => {
    const sub = userId === undefined ? requirePlayer(token) : playerOf(token);
    if (sub === undefined) return token; // an opaque token: nothing to compare, the game's userId vouches for it
    recorded ??= await recordPlayer(sub);
    if (sub !== recorded) {
      throw new AuthError(
        "the token is another player's than the one this save belongs to: a new player needs a client with a userId of their own",
      );
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
