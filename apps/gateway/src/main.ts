import { processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { gatewayService } from './gateway.module';

runService(gatewayService, process.argv.slice(2), processEnv()).catch(() => process.exit(1));
