import { storeScenarios } from './shared/store-scenarios';
import { itRunsInTheRealEngine } from './support/real-engine';

itRunsInTheRealEngine();

storeScenarios({ factory: () => indexedDB, objectStorePrototype: IDBObjectStore.prototype });
