import { serviceEnvironment, uniqueTopicPrefix } from '@portcullis/testing';
import { eventBusContract } from './bus.contract';
import { KafkaEventBus } from './kafka-bus';

eventBusContract('kafka', async () => {
  const env = serviceEnvironment();
  return new KafkaEventBus({ brokers: env.kafkaBrokers, clientId: 'contract-test', topicPrefix: uniqueTopicPrefix() });
});
