/**
 * A D1 binding that counts the statements it runs, for `npm run bench` (BENCHMARKS.md, row 3).
 *
 * `countingD1(db)` answers a D1Database that behaves exactly as `db` does and adds one to the
 * count for every statement D1 executes: each `prepare(…).run() / all() / first() / raw()`, each
 * statement of a `batch([...])` (a batch of 3 counts 3), each `exec()` call, and the same inside a
 * `withSession()`. The count lives in this module (one per isolate: in `wrangler dev` the Worker
 * and its Durable Objects share it) and is read and reset through bench/instrumentation/route.ts.
 *
 * It is applied only by the bench's entry (bench/instrumentation/entry.ts), or by the two lines
 * BENCHMARKS.md gives, only when the BENCH_COUNT_D1 var is "true".
 */

/**
 * Classes the orchestrator exports that the bench entry does not construct with a counting env
 * (a Durable Object added after the entry was written): their statements would be missed, so the
 * counts name them and the bench refuses to report a count.
 */
let unwrapped: string[] = [];
export function noteUnwrapped(names: string[]): void {
  unwrapped = names;
}

export interface D1Counts {
  /** Statements D1 executed (a batch counts each of its statements). */
  statements: number;
  /** Round trips to D1: a single statement or a whole batch counts one. */
  calls: number;
  /** Of the round trips, how many were batches. */
  batches: number;
}

const counts: D1Counts = { statements: 0, calls: 0, batches: 0 };

/** The counts so far, as a copy, and the exported classes whose statements are not counted. */
export function d1Counts(): D1Counts & { unwrapped: string[] } {
  return { ...counts, unwrapped };
}

export function resetD1Counts(): void {
  counts.statements = 0;
  counts.calls = 0;
  counts.batches = 0;
}

const RAW = Symbol('raw D1 binding');

/** The binding under a counting one (or the binding itself): reads that must not be counted. */
export function rawD1(db: D1Database): D1Database {
  return (db as unknown as Record<symbol, D1Database | undefined>)[RAW] ?? db;
}

/** Whether `env` asks for counting (the bench's wrangler dev sets `--var BENCH_COUNT_D1:true`). */
export function countingEnabled(env: { BENCH_COUNT_D1?: string | undefined }): boolean {
  return env.BENCH_COUNT_D1 === 'true';
}

class CountingStatement {
  constructor(readonly inner: D1PreparedStatement) {}

  bind(...values: unknown[]): CountingStatement {
    return new CountingStatement(this.inner.bind(...values));
  }

  first(columnName?: string): Promise<unknown> {
    count(1, false);
    return columnName === undefined ? this.inner.first() : this.inner.first(columnName);
  }

  run(): Promise<D1Result> {
    count(1, false);
    return this.inner.run();
  }

  all(): Promise<D1Result> {
    count(1, false);
    return this.inner.all();
  }

  raw(options?: { columnNames?: boolean }): Promise<unknown[]> {
    count(1, false);
    return this.inner.raw(options as { columnNames: true });
  }
}

function count(statements: number, batch: boolean) {
  counts.statements += statements;
  counts.calls += 1;
  if (batch) counts.batches += 1;
}

const unwrap = (statements: readonly D1PreparedStatement[]) =>
  statements.map((statement) => (statement instanceof CountingStatement ? statement.inner : statement) as D1PreparedStatement);

/** The counting wrapper of one session (D1's read replication API): same counting rules. */
function countingSession(session: D1DatabaseSession): D1DatabaseSession {
  return {
    prepare: (query: string) => new CountingStatement(session.prepare(query)) as unknown as D1PreparedStatement,
    batch: ((statements: D1PreparedStatement[]) => {
      count(statements.length, true);
      return session.batch(unwrap(statements));
    }) as D1DatabaseSession['batch'],
    getBookmark: () => session.getBookmark(),
  };
}

/** `db`, counting every statement it runs. Wrapping a counting binding again returns it as it is. */
export function countingD1(db: D1Database): D1Database {
  if (rawD1(db) !== db) return db;
  const wrapped = {
    [RAW]: db,
    prepare: (query: string) => new CountingStatement(db.prepare(query)) as unknown as D1PreparedStatement,
    batch: ((statements: D1PreparedStatement[]) => {
      count(statements.length, true);
      return db.batch(unwrap(statements));
    }) as D1Database['batch'],
    exec: (query: string) => {
      count(1, false);
      return db.exec(query);
    },
    withSession: (constraintOrBookmark?: string) => countingSession(db.withSession(constraintOrBookmark as D1SessionBookmark)),
    dump: () => (db as unknown as { dump(): Promise<ArrayBuffer> }).dump(),
  };
  return wrapped as unknown as D1Database;
}
