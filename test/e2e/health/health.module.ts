import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SessionModule, type SessionModuleOptions } from '../../../lib';
import { SessionHealthIndicator } from '../../../lib/health';
import { HealthController } from './health.controller';

/** An app whose health check covers its session store. */
@Module({})
export class HealthModule {
  static with(options: SessionModuleOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [SessionModule.forRoot(options), TerminusModule.forRoot({ logger: false })],
      controllers: [HealthController],
      providers: [SessionHealthIndicator],
    };
  }
}
