/**
 * data-factory: ingests CSV into its own D1 database. A healthy demo worker with a database, so its
 * result carries `databaseConnectivity` and a real D1 round trip.
 */
import { HealthCheckHandler } from '../../sdk/src/index';
import { fleetIdentity } from '../manifest';
import { DataFactoryHealthCheck, type DataFactoryEnv } from './health';
import { handleIngest } from './ingest';

// Its name and type as registered (fleet/manifest.ts), so what it reports is what the registry says.
const IDENTITY = fleetIdentity('data-factory');

// Only the default export: workerd treats every export of the entry module as an entrypoint.
export default {
  async fetch(request, env, ctx): Promise<Response> {
    if (new URL(request.url).pathname.startsWith('/health-check')) {
      const health = new HealthCheckHandler(env, { ...IDENTITY, healthCheck: DataFactoryHealthCheck });
      return health.handleRequest(request, ctx);
    }
    return handleIngest(request, env.DB);
  },
} satisfies ExportedHandler<DataFactoryEnv>;
