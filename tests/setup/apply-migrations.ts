import { applyD1Migrations } from 'cloudflare:test';
import { env } from 'cloudflare:workers';

// Setup files run before every test file; applying is idempotent (the migrations table says
// what is already applied).
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);
