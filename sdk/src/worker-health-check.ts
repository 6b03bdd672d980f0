import { markIsolateStart } from './clock.js';
import { DEFAULT_PROBE_TIMEOUT_MS, orchestratorBaseUrl, probeDatabase, probeExternalApi, probeOrchestrator, type ProbeResult } from './connectivity.js';
import { createRunLog, quietLog, type RunLog } from './debug-log.js';
import { newPayload } from './payload.js';
import { errorMessage, runTest, skippedTest, type RunTestOptions, type TestFn } from './run-test.js';
import { assertWorkerSecret } from './signing.js';
import type { RunOptions, TestResult, WorkerHealthCheckEnv, WorkerIdentity, WorkerResultPayload } from './types.js';

type SuiteKind = 'unit' | 'performance' | 'integration';

/**
 * One worker's checks. Extend it and override the `runWorkerSpecific*Tests` hooks, building each
 * result with `this.runTest(name, fn, { timeoutMs })`:
 *
 * ```ts
 * class MyChecks extends WorkerHealthCheck<Env> {
 *   protected override async runWorkerSpecificUnitTests() {
 *     return [await this.runTest('parses orders', () => { if (!parse(sample)) throw new Error('no parse') })]
 *   }
 * }
 * ```
 *
 * An instance runs one check at a time; `HealthCheckHandler` makes a new one per execute request.
 */
export class WorkerHealthCheck<E extends WorkerHealthCheckEnv = WorkerHealthCheckEnv> {
  /** This run's log: `this.log.debug(...)` prints only in `debug_mode`. */
  protected log: RunLog = quietLog;

  constructor(
    protected readonly env: E,
    protected readonly identity: WorkerIdentity,
  ) {
    markIsolateStart();
  }

  /** Runs one test, timed, with its error captured and a timeout (see run-test.ts). */
  protected async runTest(name: string, fn: TestFn, options?: RunTestOptions): Promise<TestResult> {
    const result = await runTest(name, fn, options);
    this.log.debug('test', { ...result });
    return result;
  }

  /** A test that is reported but not run, with the reason. */
  protected skipTest(name: string, reason: string): TestResult {
    return skippedTest(name, reason);
  }

  protected async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
    return [];
  }

  protected async runWorkerSpecificPerformanceTests(): Promise<TestResult[]> {
    return [];
  }

  protected async runWorkerSpecificIntegrationTests(): Promise<TestResult[]> {
    return [];
  }

  /** Checks every worker gets: what the SDK itself needs to work. */
  protected async runBuiltInUnitTests(): Promise<TestResult[]> {
    return [
      await this.runTest('crypto available', async () => {
        // A known answer, so a broken or stubbed crypto cannot pass: SHA-256("abc").
        const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'));
        const hex = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
        if (hex !== 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad') throw new Error(`SHA-256("abc") gave ${hex}`);
        if (typeof crypto.randomUUID() !== 'string') throw new Error('crypto.randomUUID is unavailable');
      }),
      await this.runTest('signing secret configured', () => assertWorkerSecret(this.env.HEALTH_CHECK_SECRET)),
    ];
  }

  /** The whole check: connectivity, metrics and the included suites. Never throws. */
  async run(options: RunOptions): Promise<WorkerResultPayload> {
    this.log = createRunLog(options.debugMode ?? false, {
      worker_name: this.identity.workerName,
      worker_check_uuid: options.workerCheckUuid,
    });
    const payload = newPayload(options.workerCheckUuid);
    this.log.debug('run.start', { options });
    try {
      await this.checkConnectivity(payload, options.orchestratorUrl);
      if (options.includeUnitTests ?? true) {
        payload.unitTests = await this.suite('unit', payload, async () => [...(await this.runBuiltInUnitTests()), ...(await this.runWorkerSpecificUnitTests())]);
      }
      if (options.includePerformanceTests ?? true) {
        payload.performanceTests = await this.suite('performance', payload, () => this.runWorkerSpecificPerformanceTests());
      }
      if (options.includeIntegrationTests ?? true) {
        payload.integrationTests = await this.suite('integration', payload, () => this.runWorkerSpecificIntegrationTests());
      }
    } catch (error) {
      payload.errorMessage = errorMessage(error);
      this.log.warn('run.error', { error: payload.errorMessage });
    }
    payload.completedAt = new Date().toISOString();
    this.log.debug('run.end', { ...payload });
    this.log = quietLog;
    return payload;
  }

  private async checkConnectivity(payload: WorkerResultPayload, orchestratorUrl: string | undefined): Promise<void> {
    const timeoutMs = this.identity.probeTimeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS;
    const externalApiUrl = this.identity.externalApiUrl ?? this.env.EXTERNAL_API_URL;
    const [orchestrator, database, externalApi] = await Promise.all([
      probeOrchestrator(this.env, orchestratorBaseUrl(this.env, orchestratorUrl), timeoutMs),
      this.env.DB ? probeDatabase(this.env.DB) : undefined,
      externalApiUrl ? probeExternalApi(externalApiUrl, timeoutMs) : undefined,
    ]);
    // The orchestrator round trip is this worker's quick self-check, so its time is the response time.
    payload.responseTimeMs = Math.round(orchestrator.latencyMs);
    payload.orchestratorConnectivity = orchestrator.ok;
    payload.databaseConnectivity = database ? database.ok : null;
    payload.externalApiConnectivity = externalApi ? externalApi.ok : null;
    this.warnIfDown(payload, 'orchestrator', orchestrator);
    this.warnIfDown(payload, 'database', database);
    this.warnIfDown(payload, 'external API', externalApi);
    this.log.debug('connectivity', { orchestrator, database, externalApi });
  }

  private warnIfDown(payload: WorkerResultPayload, what: string, probe: ProbeResult | undefined): void {
    if (probe && !probe.ok) payload.warnings.push(`${what} unreachable: ${probe.error ?? 'unknown error'}`);
  }

  /** Runs a suite's hook; a hook that throws outside `runTest` becomes one failed result, not a lost run. */
  private async suite(kind: SuiteKind, payload: WorkerResultPayload, hook: () => Promise<TestResult[]>): Promise<TestResult[]> {
    this.log.debug('suite.start', { suite: kind });
    try {
      const results = await hook();
      this.log.debug('suite.end', { suite: kind, total: results.length, failed: results.filter((r) => r.status === 'failed').length });
      return results;
    } catch (error) {
      const message = errorMessage(error);
      payload.warnings.push(`The ${kind} test suite broke: ${message}`);
      this.log.warn('suite.error', { suite: kind, error: message });
      return [{ name: `${kind} test suite`, status: 'failed', durationMs: 0, error: message }];
    }
  }
}
