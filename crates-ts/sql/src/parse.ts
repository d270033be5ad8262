/**
 * The PostgreSQL grammar through libpg-query (PG 18's own parser compiled to WebAssembly):
 * statements come back as PG's parse trees in JSON. Syntax errors become SqlError 42601 with
 * PG's message and position. The module must be loaded once (`loadParser`) before the
 * synchronous `parseSql` is used.
 */
import { loadModule, parseSync } from 'libpg-query';
import { SqlError, SqlState } from './errors.js';

/** A node of libpg-query's JSON parse tree (`{ "SelectStmt": {...} }` etc.). */
// biome-ignore lint/suspicious/noExplicitAny: libpg-query's JSON parse tree is walked dynamically
export type Ast = any;

export interface ParsedStatement {
  /** The statement node, e.g. `{ SelectStmt: {...} }`. */
  readonly stmt: Ast;
  /** The statement's text (for error positions relative to the whole query string). */
  readonly text: string;
}

let loaded: Promise<void> | null = null;
let ready = false;

export async function loadParser(): Promise<void> {
  loaded ??= loadModule().then(() => {
    ready = true;
  });
  await loaded;
}

/** Byte offset in UTF-8 `text` to a 1-based character position (PG counts characters). */
export function charPosition(text: string, byteOffset: number): number {
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length + 1;
}

export function parseSql(sql: string): ParsedStatement[] {
  if (!ready) throw new Error('parser not loaded: await loadParser() first');
  let tree: Ast;
  try {
    tree = parseSync(sql);
  } catch (e) {
    const details = (e as { sqlDetails?: { message: string; cursorPosition: number } }).sqlDetails;
    if (details === undefined) throw e;
    throw new SqlError(SqlState.SyntaxError, details.message, {
      position: charPosition(sql, details.cursorPosition),
    });
  }
  const out: ParsedStatement[] = [];
  const bytes = Buffer.from(sql, 'utf8');
  for (const raw of tree.stmts ?? []) {
    const start = raw.stmt_location ?? 0;
    const len = raw.stmt_len ?? bytes.length - start;
    out.push({ stmt: raw.stmt, text: bytes.subarray(start, start + len).toString('utf8') });
  }
  return out;
}

/** The single key of a parse node: `{ A_Const: {...} }` -> 'A_Const'. */
export function nodeTag(node: Ast): string {
  return Object.keys(node)[0]!;
}

/** The strings of a name list (`[{String:{sval:'a'}}, ...]`). */
export function names(list: Ast[] | undefined): string[] {
  return (list ?? []).map((n: Ast) =>
    n.String !== undefined ? n.String.sval : n.A_Star !== undefined ? '*' : '?',
  );
}
