import { MemoryStore } from '../../../lib';
import { describeUserSessions } from '../../suites/user-sessions';

// A store instance passed in: it outlives the apps of a test, as a real server does.
describeUserSessions('memory', () => ({ store: new MemoryStore() }));
