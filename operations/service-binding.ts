/**
 * The orchestrator's service binding of a given name, or null. The registry names bindings at run
 * time (registerWorker's `binding`), so this is the one lookup into `Env` by a name the generated
 * type cannot know; a Fetcher is recognised by its `fetch`.
 */
export function serviceBinding(env: Env, name: string): Fetcher | null {
  const candidate: unknown = Reflect.get(env, name);
  if (typeof candidate !== 'object' || candidate === null || !('fetch' in candidate) || typeof candidate.fetch !== 'function') return null;
  return candidate as Fetcher;
}
