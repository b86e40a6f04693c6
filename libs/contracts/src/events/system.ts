import { z } from 'zod';
import { defineEvent } from '../envelope';

/** Every service announces itself on start: proves the bus wiring end to end in each deployment. */
export const ServiceStarted = defineEvent({
  type: 'system.service-started',
  version: 1,
  keyOf: (p) => p.service,
  payload: z.object({
    service: z.string().min(1).max(64),
    instanceId: z.string().min(1).max(128),
    version: z.string().max(64),
    startedAt: z.string(),
  }),
});
