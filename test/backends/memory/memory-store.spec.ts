import { MemoryStore } from '../../../lib';
import { describeStoreContract } from '../../suites/store-contract';

describeStoreContract('memory', async () => ({ store: new MemoryStore() }), { shortTtlMs: 100 });
