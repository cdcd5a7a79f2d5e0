import { Module, type DynamicModule } from '@nestjs/common';
import type { SessionModuleOptions } from '../interfaces';
import { SessionModule } from '../session.module';
import { OutageAppController, OutageGate } from './outage-app.controller';

/** The app of the outage suite: the session module on the store under test, and its routes. */
@Module({})
export class OutageAppModule {
  static with(options: SessionModuleOptions, gate: OutageGate): DynamicModule {
    return {
      module: OutageAppModule,
      imports: [SessionModule.forRoot(options)],
      controllers: [OutageAppController],
      providers: [{ provide: OutageGate, useValue: gate }],
    };
  }
}
