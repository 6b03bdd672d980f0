/** data-factory's own health checks, run by the SDK on `POST /health-check/execute`. */
import { WorkerHealthCheck, type TestResult, type WorkerHealthCheckEnv } from '../../sdk/src/index';
import { handleIngest, parseCsv, storeRecords } from './ingest';

// Bindings by hand rather than `wrangler types`: a generated global `Env` here would merge into the
// orchestrator's in the root tsconfig.
export interface DataFactoryEnv extends WorkerHealthCheckEnv {
  DB: D1Database;
}

/** Rows written by health checks carry this source, and are deleted again. */
const HEALTH_SOURCE = 'health-check';

export class DataFactoryHealthCheck extends WorkerHealthCheck<DataFactoryEnv> {
  protected override async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
    return [
      await this.runTest('CSV parser keeps quoted commas, quotes and newlines', () => {
        const rows = parseCsv('name,note\r\n"Acme, Inc.","said ""hi""\ntwice"\nBeta,plain\n');
        const expected = [
          { name: 'Acme, Inc.', note: 'said "hi"\ntwice' },
          { name: 'Beta', note: 'plain' },
        ];
        if (JSON.stringify(rows) !== JSON.stringify(expected)) throw new Error(`parsed ${JSON.stringify(rows)}`);
      }),
      await this.runTest('CSV parser rejects a ragged row', () => {
        try {
          parseCsv('a,b\n1,2\n3\n');
        } catch (error) {
          if ((error as Error).message === 'Row 3 has 1 fields, the header has 2') return;
          throw error;
        }
        throw new Error('a ragged row was accepted');
      }),
    ];
  }

  protected override async runWorkerSpecificPerformanceTests(): Promise<TestResult[]> {
    return [
      await this.runTest('parses 5,000 CSV rows within 200 ms', () => {
        const csv = `id,name,amount\n${Array.from({ length: 5000 }, (_, i) => `${i},"Customer ${i}, Ltd",${i * 3}`).join('\n')}\n`;
        const started = performance.now();
        const rows = parseCsv(csv);
        const elapsed = performance.now() - started;
        if (rows.length !== 5000) throw new Error(`parsed ${rows.length} rows`);
        if (elapsed > 200) throw new Error(`took ${elapsed.toFixed(1)} ms, budget 200 ms`);
      }),
    ];
  }

  protected override async runWorkerSpecificIntegrationTests(): Promise<TestResult[]> {
    const db = this.env.DB;
    return [
      await this.runTest('D1 round trip: insert, read back, delete', async () => {
        const [id] = await storeRecords(db, HEALTH_SOURCE, [{ probe: 'round-trip' }]);
        try {
          const row = await db.prepare('SELECT payload FROM ingest_records WHERE id = ?').bind(id).first<{ payload: string }>();
          if (row?.payload !== '{"probe":"round-trip"}') throw new Error(`read back ${JSON.stringify(row)}`);
        } finally {
          await db.prepare('DELETE FROM ingest_records WHERE id = ?').bind(id).run();
        }
        const gone = await db.prepare('SELECT COUNT(*) AS n FROM ingest_records WHERE id = ?').bind(id).first<{ n: number }>();
        if (gone?.n !== 0) throw new Error('the probe row was not deleted');
      }),
      await this.runTest('POST /ingest stores an upload that GET /records/count then counts', async () => {
        const source = `${HEALTH_SOURCE}-${crypto.randomUUID()}`;
        try {
          const ingest = await handleIngest(new Request(`https://data-factory/ingest?source=${source}`, { method: 'POST', body: 'sku,qty\nA-1,3\nB-2,5\n' }), db);
          if (ingest.status !== 201) throw new Error(`POST /ingest answered ${ingest.status}: ${await ingest.text()}`);
          const counted = (await (await handleIngest(new Request(`https://data-factory/records/count?source=${source}`), db)).json()) as { count: number };
          if (counted.count !== 2) throw new Error(`counted ${counted.count} rows, stored 2`);
        } finally {
          await db.prepare('DELETE FROM ingest_records WHERE source = ?').bind(source).run();
        }
      }),
    ];
  }
}
