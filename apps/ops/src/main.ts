// The ops CLI of the Ongoing Training platform: `npm run ops -- <command> [options]`, `--help` on each.
// A Nest standalone application (nest-commander); see apps/ops/README.md.
import 'reflect-metadata';
import { CommandFactory } from 'nest-commander';
import { CliError } from './cli/cli-errors.js';
import { isCommanderExit } from './cli/ops-command.js';
import { OpsModule } from './ops.module.js';

/** Says what went wrong, once, and picks the exit code: 0 done, 1 failed, 2 bad usage or input. */
function report(error: unknown): void {
  if (isCommanderExit(error)) {
    // `--help` was shown (0); a bad command line came as a UsageError instead.
    process.exitCode = error.exitCode;
  } else if (error instanceof CliError) {
    process.stderr.write(`ops: ${error.message}\n`);
    process.exitCode = error.exitCode;
  } else {
    process.stderr.write(`ops: unexpected failure: ${error instanceof Error && error.stack ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  }
}

async function main(): Promise<void> {
  try {
    await CommandFactory.run(OpsModule, { logger: false, abortOnError: false, serviceErrorHandler: report });
  } catch (error) {
    report(error);
  }
  // kafkajs and the drivers may keep timers a little longer: the command is over.
  process.exit(process.exitCode ?? 0);
}

void main();
