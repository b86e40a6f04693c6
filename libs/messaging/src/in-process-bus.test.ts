import { eventBusContract } from './bus.contract';
import { InProcessEventBus } from './in-process-bus';

eventBusContract('in-process', async () => {
  const bus = new InProcessEventBus();
  return Object.assign(bus, {
    publishRaw: async (def: { topic: string }, key: string, value: string) => bus.append(def.topic, key, value),
  });
});
