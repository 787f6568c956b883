import { inject } from 'vitest';
import { restoreClientScenarios } from './shared/restore-client-scenarios';

const url = inject('emulatorUrl');
restoreClientScenarios({ url: () => url, newDevice: () => ({ dbName: `device-${crypto.randomUUID()}` }) });
