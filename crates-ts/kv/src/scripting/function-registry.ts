/**
 * The function libraries of a state machine (Redis 7 FUNCTION LOAD ...), as an immutable value:
 * a command that changes them builds a new registry and puts it in its Ctx; the state machine
 * adopts the Ctx's registry only once the entry's batch is written, so an entry that fails
 * leaves the previous one in place, like every other write of the entry.
 */
import { assert } from '@seshat/common';

/** A function registered by a library (`redis.register_function`). */
export interface FunctionInfo {
  readonly name: string;
  readonly description: string | null;
  /** Script flags (script-flags.ts), as given at registration. */
  readonly flags: number;
  readonly library: LibraryInfo;
  /** The engine's handle of the callable (opaque here). */
  readonly callable: unknown;
}

export interface LibraryInfo {
  readonly name: string;
  readonly engine: string;
  /** The code as loaded, shebang line included (FUNCTION LIST WITHCODE, DUMP, storage). */
  readonly code: Buffer;
  /** In registration order. */
  readonly functions: ReadonlyMap<string, FunctionInfo>;
  /** Releases the engine's resources once the library is dropped. */
  release(): void;
}

export class FunctionRegistry {
  static readonly EMPTY = new FunctionRegistry(new Map(), new Map());

  private constructor(
    /** By library name, in load order. */
    readonly libraries: ReadonlyMap<string, LibraryInfo>,
    /** Every library's functions by lower-case name: names are unique across libraries, in
     * any letter case, and FCALL finds them in any case (Redis's case-insensitive dict). */
    readonly functions: ReadonlyMap<string, FunctionInfo>,
  ) {}

  /** The function named `name` in any letter case. */
  findFunction(name: string): FunctionInfo | undefined {
    return this.functions.get(name.toLowerCase());
  }

  functionCount(): number {
    return this.functions.size;
  }

  /** A registry with `lib` added, replacing a library of the same name. The caller checked
   * that none of its functions exists in another library. */
  with(lib: LibraryInfo): FunctionRegistry {
    const libraries = new Map(this.libraries);
    const old = libraries.get(lib.name);
    libraries.set(lib.name, lib);
    const functions = new Map(this.functions);
    if (old !== undefined) for (const f of old.functions.keys()) functions.delete(f.toLowerCase());
    for (const [name, f] of lib.functions) {
      assert(!functions.has(name.toLowerCase()), `function ${name} registered twice`);
      functions.set(name.toLowerCase(), f);
    }
    return new FunctionRegistry(libraries, functions);
  }

  without(name: string): FunctionRegistry {
    const old = this.libraries.get(name);
    if (old === undefined) return this;
    const libraries = new Map(this.libraries);
    libraries.delete(name);
    const functions = new Map(this.functions);
    for (const f of old.functions.keys()) functions.delete(f.toLowerCase());
    return new FunctionRegistry(libraries, functions);
  }

  /** Releases this registry's libraries that `kept` does not hold (after an entry: the old
   * registry's replaced ones on commit, the entry's new ones on rollback). */
  releaseNotIn(kept: FunctionRegistry): void {
    if (kept === this) return;
    for (const [name, lib] of this.libraries) if (kept.libraries.get(name) !== lib) lib.release();
  }
}
