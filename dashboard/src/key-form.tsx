/** The first page: the API key, asked for once and kept only in this browser. */
import { useState } from 'preact/hooks';
import { useTitle } from './ui';

export function KeyForm({ error, onSubmit }: { error?: string | undefined; onSubmit: (key: string, remember: boolean) => Promise<string | null> }) {
  useTitle('Enter your API key');
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(true);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(error ?? null);

  const submit = async (event: Event) => {
    event.preventDefault();
    const trimmed = key.trim().replace(/^Bearer\s+/i, '');
    if (!trimmed) return setProblem('Enter an API key (wh_…).');
    setBusy(true);
    setProblem(null);
    const failure = await onSubmit(trimmed, remember);
    setBusy(false);
    if (failure) setProblem(failure);
  };

  return (
    <div class="narrow">
      <h1 tabIndex={-1}>Open the dashboard</h1>
      <p>
        The dashboard reads the orchestrator's GraphQL API with your API key. Any key works: a <strong>viewer</strong> key sees everything;
        an <strong>operator</strong> or <strong>admin</strong> key can also start checks and acknowledge alerts.
      </p>
      <form class="card key-form" onSubmit={submit} noValidate>
        <label for="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellcheck={false}
          placeholder="wh_…"
          value={key}
          onInput={(event) => setKey((event.target as HTMLInputElement).value)}
          aria-describedby={`api-key-help${problem ? ' api-key-error' : ''}`}
          aria-invalid={problem ? true : undefined}
          required
        />
        <p id="api-key-help" class="help">
          From <code>npm start</code>'s output (the admin key), or <code>worker-health keys create &lt;name&gt; --role viewer</code>.
        </p>
        {problem && (
          <p id="api-key-error" class="field-error" role="alert">
            {problem}
          </p>
        )}
        <label class="checkbox">
          <input type="checkbox" checked={remember} onChange={(event) => setRemember((event.target as HTMLInputElement).checked)} />
          Remember on this device
        </label>
        <p class="help">
          Kept only in this browser ({remember ? 'local storage, until you choose “Forget key”' : 'session storage, until this tab closes'}) and sent
          only to this orchestrator.
        </p>
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Checking…' : 'Open dashboard'}
        </button>
      </form>
    </div>
  );
}
