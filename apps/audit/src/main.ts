import { processEnv } from '@portcullis/config';
import { runService } from '@portcullis/runtime';
import { auditService } from './audit.module';
import { AUDIT_COMMANDS, runAuditCommand } from './cli';

const argv = process.argv.slice(2);
if ((AUDIT_COMMANDS as readonly string[]).includes(argv[0] ?? '')) {
  runAuditCommand(argv, processEnv()).then(
    (code) => process.exit(code),
    (err: Error) => {
      process.stderr.write(`${err.stack ?? err.message}\n`);
      process.exit(1);
    },
  );
} else {
  runService(auditService, argv, processEnv()).catch(() => process.exit(1));
}
