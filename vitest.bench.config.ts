import { defineConfig } from 'vitest/config';

// Benchmarks of pure hot paths, in Node (not workerd): `npm run bench:micro` (`npm run bench` is the
// fleet-scale table in workerd, bench/run.ts and BENCHMARKS.md). Each file compares its
// subject with a baseline in the same run, so results read as ratios, not machine-bound times.
export default defineConfig({
  test: { include: [], benchmark: { include: ['bench/**/*.bench.ts'] } },
});
