import { processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { auditService } from './audit.module';

runService(auditService, process.argv.slice(2), processEnv()).catch(() => process.exit(1));
