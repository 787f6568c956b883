import { restoreScenarios } from './shared/restore-scenarios';
import { itRunsInTheRealEngine } from './support/real-engine';

itRunsInTheRealEngine();

restoreScenarios(() => indexedDB);
