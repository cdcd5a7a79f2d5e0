import { Global, Module } from '@nestjs/common';
import { SessionModule } from '../../../lib';
import { SessionTestController } from '../../suites/session/session-test.controller';
import { LoggedInGuard } from '../../suites/session/session-test.controller';
import { AuditService } from './audit.service';
import { AuditedStore } from './audited.store';

@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}

/** An app whose session store is a class resolved through DI. */
@Module({
  imports: [AuditModule, SessionModule.forRoot({ store: AuditedStore, keyPrefix: 'audited:' })],
  controllers: [SessionTestController],
  providers: [LoggedInGuard],
})
export class CustomStoreModule {}
