import { cacheContract } from './cache.contract';
import { MemoryCache } from './memory-cache';

cacheContract('in-memory', async () => new MemoryCache());
