import { Module } from '@nestjs/common';
import { SessionModule, TaggedJsonSerializer, type SessionSerializer } from '../../../lib';
import {
  EnvelopeInterceptor,
  HeaderGuard,
  SessionHandlerController,
} from './session-handler.controller';

/** How often the module serialized a session: to tell when it compared data on save. */
export const serializations = { count: 0 };
const json = new TaggedJsonSerializer();
const countingSerializer: SessionSerializer = {
  dumps: (value) => {
    serializations.count++;
    return json.dumps(value);
  },
  loads: (bytes) => json.loads(bytes),
};

@Module({
  imports: [SessionModule.forRoot({ type: 'memory', serializer: countingSerializer })],
  controllers: [SessionHandlerController],
  providers: [HeaderGuard, EnvelopeInterceptor],
})
export class SessionHandlerModule {}
