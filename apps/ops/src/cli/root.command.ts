import { CommandRunner, RootCommand } from 'nest-commander';
import { UsageError } from './cli-errors.js';
import { type CliCommand, configureCommander } from './ops-command.js';

const HELP = `Usage: npm run ops -- <command> [options]      (or: node dist/apps/ops/main.js <command> ...)

Commands:
  produce <topic> <file>            produce a file of JSON events (JSON Lines or a JSON array) to a topic,
                                    keyed by clientId, checked against the contract first
  replay <topic> --from <o|t> ...   copy a range of a topic onto a topic (e.g. a dead-letter topic back
                                    to its source), byte for byte
  pair <clientId> <coachId>         a pair's state and decisions, from the API (or --mongodb-uri)
  deliveries                        the notifier's delivery ledger (default: the failed emails)
  resend <eventId> <coach|client>   send again an email the notifier gave up on
  asyncapi [--check]                write docs/asyncapi.yaml from the contracts (--check: compare only)

Run "npm run ops -- <command> --help" for a command's options.
Kafka: --brokers or KAFKA_BROKERS (default 127.0.0.1:9092). Exit codes: 0 done, 1 failed, 2 bad usage or input.
`;

/**
 * `npm run ops` without a command, or with `help [command]`: the list of commands, or one command's
 * help. Anything else that is not a command is refused.
 */
@RootCommand({ allowUnknownOptions: true })
export class OpsRootCommand extends CommandRunner {
  override setCommand(command: CliCommand): this {
    return super.setCommand(configureCommander(command, () => HELP));
  }

  async run(params: string[]): Promise<void> {
    const [name, topic] = params;
    const commands = this.command.commands;
    if (!name || name === 'help') {
      const command = topic === undefined ? undefined : commands.find((c) => c.name() === topic);
      process.stdout.write(command ? command.helpInformation() : HELP);
      return;
    }
    throw new UsageError(`unknown command "${name}"; commands: ${commands.map((c) => c.name()).join(', ')} (npm run ops -- --help)`);
  }
}
