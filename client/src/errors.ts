/** One error of a GraphQL response, as the server formats it. */
export interface GraphQLErrorLike {
  readonly message: string;
  readonly path?: readonly (string | number)[];
  readonly locations?: readonly { readonly line: number; readonly column: number }[];
  readonly extensions?: Readonly<Record<string, unknown>>;
}

/**
 * The server answered and refused: a GraphQL error, with the contract's `extensions.code`
 * (UNAUTHENTICATED, FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT, INTERNAL_SERVER_ERROR).
 * `code`, `message` and `path` are the first error's; `errors` has all of them.
 */
export class WorkerHealthError extends Error {
  override readonly name = 'WorkerHealthError';
  readonly code: string;
  readonly path: readonly (string | number)[] | undefined;
  readonly extensions: Readonly<Record<string, unknown>>;
  readonly errors: readonly GraphQLErrorLike[];
  /** The HTTP status of the answer, when it came over HTTP. */
  readonly status: number | undefined;

  constructor(errors: readonly GraphQLErrorLike[], options: { status?: number; fallbackCode?: string } = {}) {
    const first = errors[0] ?? { message: 'The server answered with an error and no message.' };
    super(first.message);
    this.errors = errors;
    this.extensions = first.extensions ?? {};
    const code = this.extensions['code'];
    this.code = typeof code === 'string' ? code : (options.fallbackCode ?? codeForStatus(options.status));
    this.path = first.path;
    this.status = options.status;
  }
}

/**
 * No GraphQL answer at all: the server could not be reached, the connection dropped or timed
 * out, or whatever answered is not a GraphQL server (say, a proxy's 502 page).
 */
export class WorkerHealthNetworkError extends Error {
  override readonly name = 'WorkerHealthNetworkError';
  /** The HTTP status, when something answered over HTTP. */
  readonly status: number | undefined;
  /** The WebSocket close code, when a subscription's socket closed. */
  readonly closeCode: number | undefined;

  constructor(message: string, options: { cause?: unknown; status?: number; closeCode?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.closeCode = options.closeCode;
  }
}

function codeForStatus(status: number | undefined): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status !== undefined && status >= 400 && status < 500) return 'BAD_USER_INPUT';
  return 'INTERNAL_SERVER_ERROR';
}
