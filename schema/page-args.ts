import { decodeBase64, decodeCursorChunk } from '@pothos/core';
import { badInput } from '../operations/errors';

/** The Relay page arguments of a drizzle connection. */
export interface PageArgs {
  first?: number | null;
  last?: number | null;
  after?: string | null;
  before?: string | null;
}

/**
 * Refuses page arguments out of range and cursors this connection never issued, whatever is
 * selected: Pothos reads them only when it builds the page's query, which it skips when only
 * `totalCount` is asked for. A cursor is the plugin's `DC:` chunk of the row's integer id, decoded
 * here with @pothos/core's own decoder. Every drizzle connection of the API calls this.
 */
export function validatePageArgs(args: PageArgs, maxPageSize: number): void {
  for (const [name, value] of [['first', args.first], ['last', args.last]] as const) {
    if (value != null && (value < 1 || value > maxPageSize)) {
      throw badInput(`"${name}" must be between 1 and ${maxPageSize}; got ${value}.`);
    }
  }
  for (const [name, cursor] of [['after', args.after], ['before', args.before]] as const) {
    if (cursor == null) continue;
    let id: unknown;
    try {
      const decoded = decodeBase64(cursor);
      id = decoded.startsWith('DC:') ? decodeCursorChunk(decoded.slice(3)) : undefined;
    } catch {
      id = undefined;
    }
    if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      throw badInput(`"${name}" is not a cursor of this connection: ${JSON.stringify(cursor.slice(0, 100))}. Pass an edge's cursor or pageInfo.endCursor.`);
    }
  }
}

/**
 * Refuses a list field's optional `first` (a bound on how many rows it returns, not a page) when it
 * is negative or above `max`; `0` is allowed and returns none. Nothing is read when it throws: the
 * relation's query is planned, and refused, before its statement is built.
 */
export function validateFirstArg(first: number | null | undefined, max: number, name = 'first'): void {
  if (first != null && (first < 0 || first > max)) {
    throw badInput(`"${name}" must be between 0 and ${max}; got ${first}.`);
  }
}
