import { Inject, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';

/** The token of the application's ioredis client. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');

/** An application's own Redis module: it opens one client, shares it, and closes it on shutdown. */
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis) {}

  static forRoot(url: string): DynamicModule {
    return {
      module: RedisModule,
      providers: [{ provide: REDIS_CLIENT, useFactory: () => new Redis(url) }],
      exports: [REDIS_CLIENT],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    const ended = new Promise((resolve) => this.client.once('end', resolve));
    await this.client.quit();
    await ended;
  }
}
