import type { Caller } from '../operations/api-keys';
import type { OperationDeps } from '../operations/deps';

/** What every resolver gets. Built per request in http/context.ts (and per subscription execution in compose/). */
export interface GraphQLContext extends OperationDeps {
  /** The API-key holder, or null for anonymous or bad keys (see `authFailure`). */
  caller: Caller | null;
  authFailure: 'missing' | 'invalid' | null;
  /** The raw request, for the signed worker callback (`reportWorkerResult`). */
  request: Request | null;
  rawBody: string | null;
}
