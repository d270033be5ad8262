/**
 * PGlite (PostgreSQL compiled to WebAssembly) as the oracle of the differential tests: the
 * same statement text run there gives PG's command tag, column names and type OIDs, text
 * format values (no client-side parsing: every type's parser is the identity) and SQLSTATE.
 */
import { PGlite } from '@electric-sql/pglite';
import type { SqlResult } from '../src/session.js';

/** Type OIDs whose values PGlite would otherwise convert to JS values. */
const RAW_OIDS = [16, 17, 20, 21, 23, 25, 700, 701, 705, 1042, 1043, 1082, 1114, 1184, 1700];

export interface OracleOutcome {
  result?: Pick<SqlResult, 'columns' | 'rows'> & { affected?: number };
  error?: { code: string; message: string };
}

export class PgOracle {
  private constructor(private readonly db: PGlite) {}

  static async start(): Promise<PgOracle> {
    const parsers: Record<number, (s: string) => string> = {};
    for (const oid of RAW_OIDS) parsers[oid] = (s) => s;
    const db = await PGlite.create({ parsers });
    return new PgOracle(db);
  }

  async run(sql: string): Promise<OracleOutcome> {
    try {
      const r = await this.db.query<unknown[]>(sql, [], { rowMode: 'array' });
      const columns = r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typmod: -1 }));
      const rows = r.rows.map((row) => row.map((v) => (v === null ? null : String(v))));
      return {
        result: {
          columns: columns.length > 0 ? columns : null,
          rows,
          ...(r.affectedRows === undefined ? {} : { affected: r.affectedRows }),
        },
      };
    } catch (e) {
      const err = e as { code?: string; message: string };
      if (err.code === undefined) throw e;
      return { error: { code: err.code, message: err.message } };
    }
  }

  async close(): Promise<void> {
    await this.db.close();
  }
}
