import { processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { governanceService } from './governance.module';

runService(governanceService, process.argv.slice(2), processEnv()).catch(() => process.exit(1));
