/* global process, console, setInterval */
// A CongoDB server (pure-JS MongoDB wire protocol, data in memory) on 127.0.0.1:<port>,
// for the MongoDB store's tests. Started by test/utils/mongodb-server.ts; stops on SIGTERM.
import { CongoServer } from '@push.rocks/smartmongo/dist_ts/congodb/index.js';

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
