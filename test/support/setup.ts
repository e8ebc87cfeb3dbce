import { afterAll } from 'vitest';
import { removeTemporaryDirectories } from './temporary.js';

// Tests never touch a developer's own Gatekey profile, never open a real browser, and always run
// the CLI from source, so a stale build in dist/ is never what they test.
delete process.env.GATEKEY_HOME;
delete process.env.BROWSER;
process.env.GATEKEY_FROM_SOURCE = '1';

// Registered first, so it runs after the test file's own afterAll hooks (they stop what uses them).
afterAll(removeTemporaryDirectories);
