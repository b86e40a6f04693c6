import { processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { discoveryService } from './discovery.module';

runService(discoveryService, process.argv.slice(2), processEnv()).catch(() => process.exit(1));
