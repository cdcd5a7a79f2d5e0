export {
  describeSessionStore,
  type SessionStoreContractOptions,
  type SessionStoreSetup,
} from './store-contract.suite';
export {
  describeSessionStoreOutage,
  type OutagePlatform,
  type OutageServer,
  type SessionStoreOutageOptions,
} from './store-outage.suite';
export {
  freePort,
  pauseProcess,
  startServer,
  waitForPort,
  type ServerProcess,
} from './server-process.util';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.util';
