import { IDBFactory } from 'fake-indexeddb';
import { restoreScenarios } from './shared/restore-scenarios';

const profile = new IDBFactory();
restoreScenarios(() => profile);
