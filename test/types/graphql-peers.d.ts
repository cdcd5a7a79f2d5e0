/*
 * Optional peers of the GraphQL drivers that the tests do not install
 * (federation gateways, ts-morph for the schema-first generator, ws for
 * subscriptions). The drivers' own `.d.ts` files name types of them, and this
 * project type-checks libraries (`skipLibCheck: false`).
 */
declare module '@apollo/gateway' {
  export type GatewayConfig = object;
}
declare module '@mercuriusjs/gateway' {
  export type MercuriusGatewayOptions = object;
}
declare module 'ts-morph' {
  export type ClassDeclarationStructure = object;
  export type EnumDeclarationStructure = object;
  export type InterfaceDeclarationStructure = object;
  export type MethodDeclarationStructure = object;
  export type MethodSignatureStructure = object;
  export type OptionalKind<T> = T;
  export type ParameterDeclarationStructure = object;
  export type PropertyDeclarationStructure = object;
  export type PropertySignatureStructure = object;
  export type SourceFile = object;
  export type TypeAliasDeclarationStructure = object;
}
declare module 'ws' {
  export type WebSocket = object;
  export type Server = object;
  export type ServerOptions = object;
}
