export { NullSessionInterface } from './null.session-interface';
