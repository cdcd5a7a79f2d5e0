import type { ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { Session, SessionConfigError } from '../../lib';

type Factory = (data: unknown, context: ExecutionContext) => unknown;

/** The function Nest calls to resolve a `@Session()` parameter. */
function sessionFactory(): Factory {
  class Handler {
    handle(@Session() _session: unknown) {}
  }
  const args = Reflect.getMetadata(ROUTE_ARGS_METADATA, Handler, 'handle') as Record<
    string,
    { factory: Factory }
  >;
  return Object.values(args)[0].factory;
}

const contextOf = (type: string) =>
  ({
    getType: () => type,
    getArgByIndex: () => undefined,
    switchToHttp: () => {
      throw new Error('not an HTTP context');
    },
  }) as unknown as ExecutionContext;

describe('@Session() outside HTTP and GraphQL', () => {
  it.each([
    ['ws', 'a WebSocket gateway'],
    ['rpc', 'a microservice handler'],
  ])('throws a SessionConfigError naming the "%s" context (%s)', (type) => {
    const resolve = () => sessionFactory()(undefined, contextOf(type));
    expect(resolve).toThrow(SessionConfigError);
    expect(resolve).toThrow(`"${type}" context`);
    expect(resolve).toThrow('sessions need an HTTP request');
  });

  it('throws a SessionConfigError for a GraphQL context without its HTTP request', () => {
    expect(() => sessionFactory()(undefined, contextOf('graphql'))).toThrow(
      /@Session\(\): found no HTTP request in the GraphQL context/,
    );
  });
});
