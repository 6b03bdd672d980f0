/**
 * agent-factory: builds agent prompts and validates tool calls. A healthy demo worker: its tests
 * exercise real code paths and pass.
 */
import { HealthCheckHandler } from '../../sdk/src/index';
import { AgentFactoryHealthCheck, type AgentFactoryEnv } from './health';
import { handleAgents } from './agents';

// Only the default export: workerd treats every export of the entry module as an entrypoint.
export default {
  async fetch(request, env, ctx): Promise<Response> {
    if (new URL(request.url).pathname.startsWith('/health-check')) {
      const health = new HealthCheckHandler(env, { workerName: 'agent-factory', workerType: 'agent-factory', healthCheck: AgentFactoryHealthCheck });
      return health.handleRequest(request, ctx);
    }
    return handleAgents(request);
  },
} satisfies ExportedHandler<AgentFactoryEnv>;
