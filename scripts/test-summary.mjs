// Prints Vitest's result as one plain line ("vitest: 12 passed, 0 failed, 1 skipped") that any CI
// can read, from the JSON report vitest.config.ts asks for.
import { readFileSync } from 'node:fs';

const report = JSON.parse(readFileSync(process.argv[2] ?? 'test-results/vitest.json', 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(
  `vitest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`,
);
