/**
 * @worker-health/client: the typed documents of every worker-health operation, generated from
 * its schema, and a small client to send them (`request` over fetch, `subscribe` over graphql-ws).
 */
export {
  createWorkerHealthClient,
  graphqlEndpoints,
  type FetchLike,
  type FetchResponseLike,
  type RequestOptions,
  type SubscribeOptions,
  type WorkerHealthClient,
  type WorkerHealthClientOptions,
} from './client.js';
export { WorkerHealthError, WorkerHealthNetworkError, type GraphQLErrorLike } from './errors.js';
export * from '../generated/graphql.js';
