/**
 * COPY FROM STDIN on one connection: gathers CopyData payloads (bounded), and at CopyDone
 * decodes them into rows for the engine. CopyFail and bad data abort the copy through the
 * engine's `fail` (so it can mark the transaction failed) and surface as the error.
 */
import type { CopyInResult, StatementResult } from './backend.js';
import { COPY_IN_MAX_BYTES } from './constants.js';
import { decodeCopyIn } from './copy.js';
import { SqlError, SQLSTATE, sqlError } from './errors.js';

export class CopyIn {
  private readonly chunks: Buffer[] = [];
  private bytes = 0;
  /** Set once the size limit was passed; later data is dropped until CopyDone / CopyFail. */
  private overflow = false;

  /** `onInternalError` hears a `fail()` that itself failed (the client still gets the copy's error). */
  constructor(
    readonly target: CopyInResult,
    private readonly onInternalError: (e: unknown) => void,
  ) {}

  /** Stores one CopyData payload (copied: the frame body is transient). */
  data(payload: Buffer): void {
    if (this.overflow) return;
    this.bytes += payload.length;
    if (this.bytes > COPY_IN_MAX_BYTES) {
      this.overflow = true;
      this.chunks.length = 0;
      return;
    }
    this.chunks.push(Buffer.from(payload));
  }

  /** CopyDone: the rows go to the engine; resolves to the results that follow. */
  async done(): Promise<StatementResult[]> {
    if (this.overflow) {
      return this.abort(
        sqlError(
          SQLSTATE.PROGRAM_LIMIT_EXCEEDED,
          `COPY data exceeds the limit of ${COPY_IN_MAX_BYTES} bytes`,
        ),
      );
    }
    let rows: ReturnType<typeof decodeCopyIn>;
    try {
      const text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(this.chunks));
      rows = decodeCopyIn(text, this.target.options, this.target.columnNames);
    } catch (e) {
      const fields =
        e instanceof SqlError ? e : sqlError('22021', 'invalid byte sequence for encoding "UTF8"');
      return this.abort(fields);
    }
    return this.target.finish(rows);
  }

  /** CopyFail from the client, with its message. */
  failed(message: string): Promise<never> {
    return this.abort(sqlError(SQLSTATE.QUERY_CANCELED, `COPY from stdin failed: ${message}`));
  }

  async abort(error: SqlError): Promise<never> {
    try {
      await this.target.fail(error);
    } catch (e) {
      this.onInternalError(e);
    }
    throw error;
  }
}
