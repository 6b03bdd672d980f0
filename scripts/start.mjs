// `npm start`: the orchestrator and the demo fleet under one `wrangler dev` (see scripts/start-cli.ts).
// Plain JavaScript only to load tsx, so the TypeScript it runs (sdk/src/signing.ts among it) is the
// same code the workers run, not a copy.
import { register } from 'tsx/esm/api';

register();
await import('./start-cli.ts');
