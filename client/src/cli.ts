#!/usr/bin/env node
/**
 * The `worker-health` command: start and gate on health checks, follow them live, manage the
 * registry, schedules and keys. `worker-health --help` lists everything; the exit codes are in
 * README.md and at the end of the help.
 */
import { main } from './cli/program.js';

const code = await main(process.argv);
// Exit once what was written is flushed, without waiting for a WebSocket's closing handshake.
process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
