import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import { Module } from '@nestjs/common';
import { Args, GraphQLModule, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { MercuriusDriver, type MercuriusDriverConfig } from '@nestjs/mercurius';
import { Session, SessionModule, type ServerSideSession } from '../../../lib';

type Cart = ServerSideSession<{ visits: number; items: string[] }>;

@Resolver()
export class CartResolver {
  @Query(() => Int)
  visits(@Session() session: Cart): number {
    const visits = (session.get('visits') ?? 0) + 1;
    session.set('visits', visits);
    return visits;
  }

  @Mutation(() => [String])
  addItem(@Args('item') item: string, @Session() session: Cart): string[] {
    const items = [...(session.get('items') ?? []), item];
    session.set('items', items);
    return items;
  }
}

/** Apollo, the driver Nest documents for Express. */
@Module({
  imports: [
    SessionModule.forRoot({ type: 'memory' }),
    GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true }),
  ],
  providers: [CartResolver],
})
export class ApolloCartModule {}

/** Mercurius, the driver Nest documents for Fastify. */
@Module({
  imports: [
    SessionModule.forRoot({ type: 'memory' }),
    GraphQLModule.forRoot<MercuriusDriverConfig>({
      driver: MercuriusDriver,
      autoSchemaFile: true,
      // Its query cache is an ESM-only package, which Jest's CommonJS runtime cannot import.
      cache: false,
    }),
  ],
  providers: [CartResolver],
})
export class MercuriusCartModule {}
