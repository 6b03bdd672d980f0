/**
 * A run: live over graphql-ws while it runs (progress, each worker's result as it lands, the
 * final score and analysis), and its detail (every test with its duration and error, baselines
 * and regressions, recommendations by severity). The run is read when the page opens and the
 * subscription replays what already happened, so joining mid-run or after the end shows it all.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { DashboardRunDocument, DashboardRunEventsDocument, type TestSuiteFieldsFragment } from '../../client/generated/graphql';
import { baselineFindings, type BaselineVerdict } from './analysis';
import { href, useSession } from './context';
import { bandLabel, formatDuration, formatScore, shortId, titleCase } from './format';
import { LiveIndicator, useSubscription } from './live';
import { applyEvent, applySnapshot, EMPTY_RUN, fullWorker, isFinal, type FullWorker, type LogEntry, type RunView, type WorkerView } from './run-state';
import { describeError, isAuthFailure } from './session';
import { BandBadge, ErrorMessage, Loading, Recommendations, Score, StatusBadge, Time, useTitle } from './ui';

export function RunPage({ uuid, detail }: { uuid: string; detail: boolean }) {
  useTitle(`${detail ? 'Run detail' : 'Run'} ${shortId(uuid)}`);
  const { client, keyRefused } = useSession();
  const [view, setView] = useState<RunView>(EMPTY_RUN);
  const [error, setError] = useState<string | null>(null);
  const reading = useRef(false);

  const read = useCallback(async () => {
    if (reading.current) return;
    reading.current = true;
    try {
      const { healthCheck } = await client.request(DashboardRunDocument, { uuid });
      setView((current) => applySnapshot(current, healthCheck));
      setError(null);
    } catch (failure) {
      if (isAuthFailure(failure)) return keyRefused();
      setError(describeError(failure));
    } finally {
      reading.current = false;
    }
  }, [client, uuid, keyRefused]);

  useEffect(() => void read(), [read]);

  const final = isFinal(view.summary?.status);
  const live = useSubscription(
    client,
    DashboardRunEventsDocument,
    { uuid },
    {
      onData: ({ healthCheckUpdated: event }) => {
        setView((current) => applyEvent(current, event));
        // The analysis and every test come with the full read.
        if (event.type === 'COMPLETED') void read();
      },
      onAuthFailure: keyRefused,
    },
    uuid,
  );

  // Without a live socket (a proxy without WebSockets, a dropped connection), read the run every
  // 3 s until it ends; once final, read until the analysis is there.
  const needsAnalysis = final && (!view.full || !isFinal(view.full.status));
  useEffect(() => {
    if (view.missing || (final && !needsAnalysis) || (live === 'live' && !needsAnalysis)) return;
    const timer = setInterval(() => void read(), 3000);
    return () => clearInterval(timer);
  }, [live, final, needsAnalysis, view.missing, read]);

  if (view.missing) {
    return (
      <>
        <h1 tabIndex={-1}>Run not found</h1>
        <p>
          No run has the id <code>{uuid}</code>. <a href={href.fleet()}>Back to the fleet</a>.
        </p>
      </>
    );
  }
  const summary = view.summary;
  return (
    <>
      <nav aria-label="Breadcrumb" class="breadcrumb">
        <a href={href.fleet()}>Fleet</a> <span aria-hidden="true">›</span>{' '}
        {detail ? (
          <>
            <a href={href.run(uuid)}>Run {shortId(uuid)}</a> <span aria-hidden="true">›</span> <span aria-current="page">Every test</span>
          </>
        ) : (
          <span aria-current="page">Run {shortId(uuid)}</span>
        )}
      </nav>
      <div class="page-head">
        <div>
          <h1 tabIndex={-1}>
            {detail ? 'Run detail' : 'Run'} <span class="mono">{shortId(uuid)}</span> {summary && <StatusBadge status={summary.status} />}
          </h1>
          {summary && (
            <p class="muted">
              {titleCase(summary.triggerType)}
              {summary.triggerSource && ` by ${summary.triggerSource}`} · started <Time iso={summary.startedAt} />
              {summary.completedAt && (
                <>
                  {' '}
                  · ended <Time iso={summary.completedAt} />
                </>
              )}
            </p>
          )}
        </div>
        <div class="page-actions">
          {detail ? (
            <a class="button" href={href.run(uuid)}>
              Back to the run
            </a>
          ) : (
            <a class="button" href={href.runDetail(uuid)}>
              Every test, baselines and regressions
            </a>
          )}
        </div>
      </div>
      {error && <ErrorMessage error={`Could not read the run: ${error}`} />}
      {!summary && !error && <Loading what="the run" />}
      {summary && !final && <LiveIndicator state={live} what="results" />}
      {summary && (detail ? <RunDetail view={view} /> : <RunSummary view={view} />)}
    </>
  );
}

function RunSummary({ view }: { view: RunView }) {
  const summary = view.summary!;
  const final = isFinal(summary.status);
  const workers = view.order.map((name) => view.workers[name]!);
  return (
    <>
      <section aria-labelledby="progress-heading" class="card run-progress">
        <h2 id="progress-heading" class="visually-hidden">
          Progress and score
        </h2>
        <div class="run-score">
          <span class="stat-label">{final ? 'Final score' : 'Score so far'}</span>
          <span class="stat-value">
            <Score score={summary.overallHealthScore} band={summary.healthStatus} />
          </span>
          {summary.healthStatus ? <BandBadge band={summary.healthStatus} /> : <span class="badge band-none">In progress</span>}
        </div>
        <div class="run-bar">
          <label for="run-progress-bar">
            <span aria-live="polite" id="run-progress-text">
              {summary.completedWorkers} of {summary.totalWorkers} workers reported
              {final ? ` · ${summary.passedWorkers} passed, ${summary.failedWorkers} failed` : ''}
            </span>
          </label>
          <progress id="run-progress-bar" max={Math.max(1, summary.totalWorkers)} value={summary.completedWorkers} />
        </div>
      </section>

      <section aria-labelledby="results-heading">
        <h2 id="results-heading">Workers</h2>
        <WorkerTable workers={workers} />
      </section>

      <section aria-labelledby="events-heading">
        <h2 id="events-heading">Events</h2>
        <EventLog log={view.log} />
      </section>

      <section aria-labelledby="analysis-heading">
        <h2 id="analysis-heading">Analysis</h2>
        {!final && <p class="muted">The analysis is written when the run ends.</p>}
        {final && !view.full?.aiAnalysis && !isFinal(view.full?.status) && <Loading what="the analysis" />}
        {final && view.full && isFinal(view.full.status) && (
          <>
            {view.full.aiAnalysis ? <Paragraphs text={view.full.aiAnalysis} /> : <p class="muted">No analysis for this run.</p>}
            {view.full.analysisSource && <p class="muted small">Written by {view.full.analysisSource.description}.</p>}
            <h3>Recommendations</h3>
            <Recommendations items={view.full.recommendations} headingLevel={4} />
          </>
        )}
      </section>
    </>
  );
}

function WorkerTable({ workers }: { workers: WorkerView[] }) {
  if (workers.length === 0) return <p class="muted">Waiting for the first result…</p>;
  const suite = (passed: number, total: number) => (total === 0 ? '–' : `${passed}/${total}`);
  return (
    <div class="table-wrap">
      <table class="table responsive results-table">
        <thead>
          <tr>
            <th scope="col">Worker</th>
            <th scope="col">Status</th>
            <th scope="col">Score</th>
            <th scope="col">Unit</th>
            <th scope="col">Performance</th>
            <th scope="col">Integration</th>
            <th scope="col">Response</th>
          </tr>
        </thead>
        <tbody>
          {workers.map((worker) => (
            <tr key={worker.workerName} data-worker={worker.workerName} data-status={worker.status}>
              <th scope="row" data-label="Worker">
                <a href={href.worker(worker.workerName)}>{worker.workerName}</a>
                {worker.errorMessage && <span class="small block error-text">{worker.errorMessage}</span>}
              </th>
              <td data-label="Status">
                <StatusBadge status={worker.status} />
              </td>
              <td data-label="Score">
                {worker.healthStatus ? (
                  <>
                    <Score score={worker.healthScore} band={worker.healthStatus} /> <BandBadge band={worker.healthStatus} />
                  </>
                ) : (
                  '–'
                )}
              </td>
              <td data-label="Unit">{suite(worker.unitTests.passed, worker.unitTests.total)}</td>
              <td data-label="Performance">{suite(worker.performanceTests.passed, worker.performanceTests.total)}</td>
              <td data-label="Integration">{suite(worker.integrationTests.passed, worker.integrationTests.total)}</td>
              <td data-label="Response">{formatDuration(worker.responseTimeMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function describeEvent(entry: LogEntry): string {
  if (entry.type === 'STARTED') return 'Run started';
  const result = `${titleCase(entry.status)}, score ${formatScore(entry.score)}${entry.healthStatus ? ` (${bandLabel(entry.healthStatus).toLowerCase()})` : ''}`;
  if (entry.type === 'WORKER_RESULT') return `${entry.workerName}: ${result}`;
  return `Run ended: ${result}`;
}

function EventLog({ log }: { log: LogEntry[] }) {
  if (log.length === 0) return <p class="muted">No events received yet.</p>;
  return (
    <div role="log" aria-label="Events of this run, oldest first">
    <ol class="event-log">
      {log.map((entry) => (
        <li key={entry.sequence} data-type={entry.type}>
          <span class="event-seq mono" aria-hidden="true">
            #{entry.sequence}
          </span>{' '}
          {describeEvent(entry)}
        </li>
      ))}
    </ol>
    </div>
  );
}

function Paragraphs({ text }: { text: string }) {
  return (
    <div class="prose">
      {text
        .split(/\n{2,}|\n(?=[-•] )/)
        .filter((part) => part.trim())
        .map((part, index) => (
          <p key={index}>{part.trim()}</p>
        ))}
    </div>
  );
}

function RunDetail({ view }: { view: RunView }) {
  const full = view.full;
  if (!full) return <Loading what="every test" />;
  const workers = view.order.map((name) => view.workers[name]!).map((worker) => fullWorker(worker) ?? worker);
  return (
    <>
      <section aria-labelledby="recs-heading">
        <h2 id="recs-heading">Recommendations by severity</h2>
        {isFinal(full.status) ? <Recommendations items={full.recommendations} headingLevel={3} /> : <p class="muted">Written when the run ends.</p>}
      </section>
      <nav aria-label="Workers of this run" class="toc">
        <ul class="plain inline">
          {workers.map((worker) => (
            <li key={worker.workerName}>
              <a href={`#/runs/${encodeURIComponent(full.uuid)}/detail`} onClick={(event) => {
                event.preventDefault();
                const target = document.getElementById(`worker-${worker.workerName}`);
                target?.scrollIntoView();
                target?.focus();
              }}>
                {worker.workerName}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {workers.map((worker) => {
        const detail = fullWorker(worker);
        return detail ? <WorkerDetail key={worker.workerName} worker={detail} /> : <p key={worker.workerName}>{worker.workerName}: reading…</p>;
      })}
    </>
  );
}

const VERDICT_LABELS: Record<BaselineVerdict, string> = { regression: 'Regression', improvement: 'Improvement', steady: 'In line' };

function WorkerDetail({ worker }: { worker: FullWorker }) {
  const findings = baselineFindings(worker.aiWorkerAnalysis);
  const connectivity = [
    ['Orchestrator', worker.orchestratorConnectivity],
    ['Database', worker.databaseConnectivity],
    ['External API', worker.externalApiConnectivity],
  ] as const;
  return (
    <section class="card worker-detail" aria-labelledby={`worker-${worker.workerName}`} data-worker={worker.workerName}>
      <h2 id={`worker-${worker.workerName}`} tabIndex={-1}>
        <a href={href.worker(worker.workerName)}>{worker.workerName}</a> <StatusBadge status={worker.status} />{' '}
        {worker.healthStatus && (
          <>
            <Score score={worker.healthScore} band={worker.healthStatus} /> <BandBadge band={worker.healthStatus} />
          </>
        )}
      </h2>
      <dl class="facts">
        <div>
          <dt>Response time</dt>
          <dd>{formatDuration(worker.responseTimeMs)}</dd>
        </div>
        {connectivity
          .filter(([, value]) => value !== null)
          .map(([name, value]) => (
            <div key={name}>
              <dt>{name}</dt>
              <dd>{value ? 'reachable' : <span class="error-text">unreachable</span>}</dd>
            </div>
          ))}
        <div>
          <dt>Reported</dt>
          <dd>
            <Time iso={worker.completedAt} />
          </dd>
        </div>
      </dl>
      {worker.errorMessage && <p class="error-text">{worker.errorMessage}</p>}
      {worker.warnings.length > 0 && (
        <ul class="warnings">
          {worker.warnings.map((warning, index) => (
            <li key={index}>Warning: {warning}</li>
          ))}
        </ul>
      )}
      {worker.aiWorkerAnalysis && (
        <>
          <h3>Analysis</h3>
          <Paragraphs text={worker.aiWorkerAnalysis} />
        </>
      )}
      <h3>Baselines and regressions</h3>
      {findings.length === 0 ? (
        <p class="muted">No comparison with a baseline yet (a baseline needs earlier completed checks).</p>
      ) : (
        <ul class="findings">
          {findings.map((finding, index) => (
            <li key={index} class={`finding verdict-${finding.verdict}`}>
              <span class={`badge finding-badge finding-${finding.verdict}`}>{VERDICT_LABELS[finding.verdict]}</span> {finding.text}
            </li>
          ))}
        </ul>
      )}
      <h3>Tests</h3>
      <SuiteTable title="Unit tests" suite={worker.unitTests} />
      <SuiteTable title="Performance tests" suite={worker.performanceTests} />
      <SuiteTable title="Integration tests" suite={worker.integrationTests} />
      <h3>Recommendations</h3>
      <Recommendations items={worker.recommendations} showWorker={false} headingLevel={4} />
    </section>
  );
}

function SuiteTable({ title, suite }: { title: string; suite: TestSuiteFieldsFragment }) {
  if (suite.total === 0) return <p class="muted">{title}: did not run.</p>;
  return (
    <div class="table-wrap">
      <table class="table responsive tests-table">
        <caption>
          {title}: {suite.passed} of {suite.total} passed{suite.failed > 0 ? `, ${suite.failed} failed` : ''}
        </caption>
        <thead>
          <tr>
            <th scope="col">Test</th>
            <th scope="col">Status</th>
            <th scope="col" class="num">
              Duration
            </th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {suite.results.map((test, index) => (
            <tr key={index} data-status={test.status}>
              <th scope="row" data-label="Test">
                {test.name}
              </th>
              <td data-label="Status">
                <StatusBadge status={test.status} />
              </td>
              <td data-label="Duration" class="num">
                {formatDuration(test.durationMs)}
              </td>
              <td data-label="Error">{test.error ? <span class="error-text">{test.error}</span> : <span class="muted">–</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
