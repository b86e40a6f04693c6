export * from './environment';
export * from './processes';
export * from './kafka-broker';
export * from './browser';
export * from './oauth-client-provider';
export * from './redis-server';
