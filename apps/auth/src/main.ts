import { processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { authService } from './auth.module';

runService(authService, process.argv.slice(2), processEnv()).catch(() => process.exit(1));
