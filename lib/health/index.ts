// A separate entry point (`nestjs-server-session/health`): only it loads `@nestjs/terminus`.
export { SessionHealthIndicator } from './session.health-indicator';
