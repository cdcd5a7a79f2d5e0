import { Client } from 'memjs';
import {
  hasMemjsRequests,
  type MemjsRequests,
} from '../../../lib/backends/memcached/memcached.binary-protocol';

// What the GAT and CAS requests use of a memjs client is its declared public
// surface (`seq`, `incrSeq`, `perform`, `serializer` in memjs's typings): this
// assignment stops compiling if any of them leaves it or changes shape.
const declared = (client: Client): MemjsRequests => client;

describe('the memjs members the memcached store sends GAT and CAS through', () => {
  it('are those of a real memjs client', () => {
    const client = Client.create('127.0.0.1:1', { retries: 0, timeout: 0.1 });
    try {
      expect(hasMemjsRequests(declared(client))).toBe(true);
    } finally {
      client.close();
    }
  });
});
