/** D1 refuses a statement with more than 100 bound parameters. */
export const D1_MAX_BOUND_PARAMETERS = 100;

/**
 * Splits rows for multi-row INSERTs so that no statement binds more than D1 allows.
 * `parametersPerRow` is how many values one row binds (columns given explicitly).
 */
export function chunkRows<T>(rows: readonly T[], parametersPerRow: number): T[][] {
  const size = Math.max(1, Math.floor(D1_MAX_BOUND_PARAMETERS / parametersPerRow));
  const chunks: T[][] = [];
  for (let i = 0; i < rows.length; i += size) chunks.push(rows.slice(i, i + size));
  return chunks;
}
