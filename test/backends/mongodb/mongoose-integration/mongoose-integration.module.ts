import { Module, type DynamicModule } from '@nestjs/common';
import { getConnectionToken, MongooseModule } from '@nestjs/mongoose';
import type { Connection } from 'mongoose';
import { SessionModule } from '../../../../lib';
import { CartController } from './cart.controller';
import { PRODUCT, ProductSchema } from './product.schema';
import { SESSION_COLLECTION } from './session-collection';

export interface MongooseIntegrationOptions {
  /** The app's database, e.g. mongodb://127.0.0.1:27017/shop. */
  url: string;
  keyPrefix: string;
}

/**
 * An app as users write it: mongoose configured with `MongooseModule.forRoot`,
 * and the session module on the same connection and database through
 * `forRootAsync({ inject: [getConnectionToken()] })`.
 */
@Module({})
export class MongooseIntegrationModule {
  static with(options: MongooseIntegrationOptions): DynamicModule {
    return {
      module: MongooseIntegrationModule,
      imports: [
        MongooseModule.forRoot(options.url, { retryAttempts: 0 }),
        MongooseModule.forFeature([{ name: PRODUCT, schema: ProductSchema }]),
        SessionModule.forRootAsync({
          inject: [getConnectionToken()],
          useFactory: (connection: Connection) => ({
            type: 'mongodb',
            connection,
            db: connection.name,
            collection: SESSION_COLLECTION,
            keyPrefix: options.keyPrefix,
          }),
        }),
      ],
      controllers: [CartController],
    };
  }
}
