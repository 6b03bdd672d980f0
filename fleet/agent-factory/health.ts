/** agent-factory's own health checks, run by the SDK on `POST /health-check/execute`. */
import { WorkerHealthCheck, type TestResult, type WorkerHealthCheckEnv } from '../../sdk/src/index';
import { CREATE_TICKET_SCHEMA, SYSTEM_PROMPT, handleAgents, renderPrompt, validate } from './agents';

// Bindings by hand rather than `wrangler types`: a generated global `Env` here would merge into the
// orchestrator's in the root tsconfig.
export type AgentFactoryEnv = WorkerHealthCheckEnv;

const VALUES = { agent_name: 'Triage', goal: 'files support tickets', language: 'English', tools: 'create_ticket' };

export class AgentFactoryHealthCheck extends WorkerHealthCheck<AgentFactoryEnv> {
  protected override async runWorkerSpecificUnitTests(): Promise<TestResult[]> {
    return [
      await this.runTest('prompt template fills every placeholder', () => {
        const prompt = renderPrompt(SYSTEM_PROMPT, VALUES);
        if (prompt.includes('{{')) throw new Error(`placeholders left in: ${prompt}`);
        if (!prompt.startsWith('You are Triage, an agent that files support tickets.')) throw new Error(`rendered: ${prompt}`);
      }),
      await this.runTest('prompt template refuses a missing value', () => {
        const { language: _, ...missing } = VALUES;
        let error: unknown;
        try {
          renderPrompt(SYSTEM_PROMPT, missing);
        } catch (e) {
          error = e;
        }
        if (!(error instanceof Error) || error.message !== 'No value for {{language}}') throw new Error(`expected "No value for {{language}}", got ${String(error)}`);
      }),
      await this.runTest('tool call arguments are checked against the JSON schema', () => {
        const good = validate({ title: 'Printer on fire', priority: 'high', labels: ['hardware'], estimate_hours: 2 }, CREATE_TICKET_SCHEMA);
        if (good.length > 0) throw new Error(`valid call rejected: ${good.join('; ')}`);
        const bad = validate({ title: 42, priority: 'urgent', estimate_hours: 1.5, assignee: 'bob' }, CREATE_TICKET_SCHEMA);
        const expected = ['$.title: must be a string', '$.priority: must be one of ["low","normal","high"]', '$.estimate_hours: must be an integer', '$.assignee: is not allowed'];
        if (JSON.stringify(bad) !== JSON.stringify(expected)) throw new Error(`invalid call gave ${JSON.stringify(bad)}`);
      }),
    ];
  }

  protected override async runWorkerSpecificPerformanceTests(): Promise<TestResult[]> {
    return [
      await this.runTest('renders and validates 2,000 prompts within 100 ms', () => {
        const started = performance.now();
        for (let i = 0; i < 2000; i++) {
          renderPrompt(SYSTEM_PROMPT, { ...VALUES, agent_name: `Agent ${i}` });
          validate({ title: `Ticket ${i}`, priority: 'normal' }, CREATE_TICKET_SCHEMA);
        }
        const elapsed = performance.now() - started;
        if (elapsed > 100) throw new Error(`took ${elapsed.toFixed(1)} ms, budget 100 ms`);
      }),
    ];
  }

  protected override async runWorkerSpecificIntegrationTests(): Promise<TestResult[]> {
    return [
      await this.runTest('POST /agents/prompt renders through the worker', async () => {
        const response = await handleAgents(new Request('https://agent-factory/agents/prompt', { method: 'POST', body: JSON.stringify(VALUES) }));
        const body = (await response.json()) as { prompt?: string; error?: string };
        if (response.status !== 200 || !body.prompt?.includes('Use only these tools: create_ticket.')) throw new Error(`answered ${response.status}: ${JSON.stringify(body)}`);
      }),
      await this.runTest('POST /agents/prompt answers 400 for an incomplete spec', async () => {
        const response = await handleAgents(new Request('https://agent-factory/agents/prompt', { method: 'POST', body: '{"agent_name":"Triage"}' }));
        if (response.status !== 400) throw new Error(`answered ${response.status}`);
      }),
    ];
  }
}
