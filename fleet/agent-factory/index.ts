/**
 * agent-factory: builds agent prompts and validates tool calls. A healthy demo worker: its tests
 * exercise real code paths and pass.
 */
import { HealthCheckHandler } from '../../sdk/src/index';
import { fleetIdentity } from '../manifest';
import { AgentFactoryHealthCheck, type AgentFactoryEnv } from './health';
import { handleAgents } from './agents';

// Its name and type as registered (fleet/manifest.ts), so what it reports is what the registry says.
const IDENTITY = fleetIdentity('agent-factory');

// Only the default export: workerd treats every export of the entry module as an entrypoint.
export default {
  async fetch(request, env, ctx): Promise<Response> {
    if (new URL(request.url).pathname.startsWith('/health-check')) {
      const health = new HealthCheckHandler(env, { ...IDENTITY, healthCheck: AgentFactoryHealthCheck });
      return health.handleRequest(request, ctx);
    }
    return handleAgents(request);
  },
} satisfies ExportedHandler<AgentFactoryEnv>;
