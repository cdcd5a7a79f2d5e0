import { MemoryStore } from '../../../lib';
import { describeConcurrency } from '../../suites/concurrency';

// A store instance passed in: it outlives the apps of a test, as a real server does.
describeConcurrency('memory (custom store instance)', () => ({ store: new MemoryStore() }));
