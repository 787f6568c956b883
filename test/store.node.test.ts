import { IDBFactory, IDBObjectStore } from 'fake-indexeddb';
import { storeScenarios } from './shared/store-scenarios';

// One factory for the file, like one browser profile: databases of the same name are shared.
const profile = new IDBFactory();
storeScenarios({ factory: () => profile, objectStorePrototype: IDBObjectStore.prototype as unknown as IDBObjectStore });
