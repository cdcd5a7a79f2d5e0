import { Module } from '@nestjs/common';
import { SessionModule } from '../../lib';
import {
  EnvelopeInterceptor,
  HeaderGuard,
  SessionHandlerController,
} from './session-handler.controller';

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [SessionHandlerController],
  providers: [HeaderGuard, EnvelopeInterceptor],
})
export class SessionHandlerModule {}
