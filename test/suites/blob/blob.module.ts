import { Module, type DynamicModule } from '@nestjs/common';
import { SessionModule, type SessionModuleOptions } from '../../../lib';
import { BlobController } from './blob.controller';

@Module({})
export class BlobModule {
  static with(options: SessionModuleOptions): DynamicModule {
    return {
      module: BlobModule,
      imports: [SessionModule.forRoot(options)],
      controllers: [BlobController],
    };
  }
}
