/* global process, console, setInterval */
// A CongoDB server (pure-JS MongoDB wire protocol, data in memory) on 127.0.0.1:<port>,
// for the MongoDB store's tests. Started by test/utils/mongodb-server.ts; stops on SIGTERM.
import { bson } from '@push.rocks/smartmongo/dist_ts/congodb/congodb.plugins.js';
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

// CongoDB matches filters with mingo, which compares two objects that have a toString of their
// own by that string, and bson's Binary.toString() decodes the bytes as UTF-8, lossily: any two
// byte strings that are not valid UTF-8 and decode alike ({ data: <Binary> } in the MongoDB
// store's compareAndSet) compared equal. MongoDB compares BinData by length, subtype and bytes;
// without an encoding, the string now says exactly those.
const binaryToString = bson.Binary.prototype.toString;
bson.Binary.prototype.toString = function (encoding) {
  return encoding === undefined
    ? `${this.sub_type}:${binaryToString.call(this, 'base64')}`
    : binaryToString.call(this, encoding);
};

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: node congodb-server.mjs <port>');
  process.exit(2);
}

const server = new CongoServer({ host: '127.0.0.1', port, storage: 'memory' });
await server.start();
console.log(`congodb listening on 127.0.0.1:${port}`);

const stop = () => {
  server.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
// Ends with the test run even if nobody stops it (the parent died).
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    stop();
  }
}, 1000).unref();
