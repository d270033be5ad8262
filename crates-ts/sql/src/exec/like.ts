/**
 * LIKE / ILIKE patterns: `%` any run, `_` one character, `\` escapes the next character (PG's
 * default escape). Compiled once per distinct pattern to an anchored regular expression.
 */
import { SqlError, SqlState } from '../errors.js';

export function likeMatcher(pattern: string, insensitive: boolean): (s: string) => boolean {
  let re = '^';
  const chars = Array.from(pattern);
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    if (c === '\\') {
      const next = chars[++i];
      if (next === undefined) {
        throw new SqlError(SqlState.InvalidEscapeSequence, 'LIKE pattern must not end with escape character');
      }
      re += escapeRe(next);
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  const rx = new RegExp(re + '$', insensitive ? 'iu' : 'u');
  return (s) => rx.test(s);
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
