import { afterAll, beforeAll, describe } from 'vitest';
import {
  glewlwydMissing,
  startGlewlwyd,
  type GlewlwydClient,
  type RunningGlewlwyd,
} from './glewlwyd.js';

const missing = await glewlwydMissing();
if (missing) console.warn(`Glewlwyd tests skipped: ${missing}`);

/**
 * A describe block with its own Glewlwyd, started before its tests and stopped after them;
 * skipped, with the reason, where the Debian package is not installed (never on CI).
 */
export function describeWithGlewlwyd(
  title: string,
  body: (glewlwyd: () => RunningGlewlwyd) => void,
): void {
  describe.skipIf(missing !== undefined)(title, () => {
    let running: RunningGlewlwyd | undefined;
    beforeAll(async () => {
      running = await startGlewlwyd();
    });
    afterAll(() => running?.close());
    body(() => {
      if (!running) throw new Error('Glewlwyd did not start');
      return running;
    });
  });
}

/** A confidential client-credentials client that sends its secret in the body (client_secret_post). */
export function addMachineClient(
  glewlwyd: RunningGlewlwyd,
  clientId: string,
): Promise<GlewlwydClient> {
  return glewlwyd.addClient({
    clientId,
    clientSecret: `${clientId}-secret`,
    grants: ['client_credentials'],
    methods: ['client_secret_post'],
  });
}
