import { Module } from '@nestjs/common';
import { SessionModule } from '../../../lib';
import { UnawaitedSaveController } from './unawaited-save.controller';

@Module({
  imports: [SessionModule.forRoot({ type: 'memory' })],
  controllers: [UnawaitedSaveController],
})
export class UnawaitedSaveModule {}
