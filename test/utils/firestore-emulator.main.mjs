// The npm Firestore emulator (@firestore-emulator/server) on 127.0.0.1:<port>, in a process
// of its own so tests can stop, restart and pause it, with the transactions and preconditions
// of firestore-emulator.transactions.mjs. Usage: node firestore-emulator.main.mjs <port>
import console from 'node:console';
import { createRequire } from 'node:module';
import process from 'node:process';
import { TransactionalFirestoreService } from './firestore-emulator.transactions.mjs';

const require = createRequire(import.meta.url);
// The gRPC server of the emulator's own copy of @grpc/grpc-js.
const emulatorRequire = createRequire(require.resolve('@firestore-emulator/server'));
const { Server, ServerCredentials } = emulatorRequire('@grpc/grpc-js');
const { FirestoreState } = require('@firestore-emulator/server');

const port = Number(process.argv[2]);
if (!Number.isInteger(port) || port <= 0) {
  console.error('usage: firestore-emulator.main.mjs <port>');
  process.exit(2);
}

// The package's FirestoreServer binds every interface; its service is bound here to loopback only.
const server = new Server();
server.addService(
  TransactionalFirestoreService.definition,
  new TransactionalFirestoreService(new FirestoreState()),
);
server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (error) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  console.log(`firestore emulator listening on 127.0.0.1:${port}`);
});

const stop = () => {
  server.forceShutdown();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
