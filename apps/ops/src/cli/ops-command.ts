import { CommandRunner } from 'nest-commander';
import { UsageError } from './cli-errors.js';

/** A command of commander, as nest-commander hands it to each command. */
export type CliCommand = Parameters<CommandRunner['setCommand']>[0];

/** What commander exits with: `--help` shown (0), or a command line it could not parse. */
export interface CommanderExit extends Error {
  code: string;
  exitCode: number;
}

const HELP_SHOWN = new Set(['commander.helpDisplayed', 'commander.help']);

export function isCommanderExit(error: unknown): error is CommanderExit {
  return error instanceof Error && error.name === 'CommanderError';
}

/** Commander's complaint in the words of node:util's parseArgs, which the commands have always used. */
function usageError(error: CommanderExit, command: CliCommand): UsageError {
  const said = error.message.replace(/^error: /, '').split('\n')[0];
  const flag = /^unknown option '(--[^=']+)=/.exec(said)?.[1];
  let message = `${said[0].toUpperCase()}${said.slice(1)}`;
  if (error.code === 'commander.optionMissingArgument') message = said.replace(/^option '(\S+) [^']*'/, "Option '$1 <value>'");
  else if (flag && command.options.some((o) => o.long === flag)) message = `Option '${flag}' does not take an argument`;
  return new UsageError(`${message} (npm run ops -- ${command.name()} --help)`);
}

/**
 * Commander set up the way the commands speak: `--help` prints the command's own text, a bad command line
 * is a UsageError (exit 2) told once by main, and the positionals are counted by the command.
 */
export function configureCommander(command: CliCommand, help: () => string): CliCommand {
  return command
    .configureHelp({ formatHelp: () => help() })
    .configureOutput({ outputError: () => undefined })
    .showSuggestionAfterError(false)
    .allowExcessArguments(true)
    .exitOverride((error) => {
      throw HELP_SHOWN.has(error.code) ? error : usageError(error, command);
    });
}

/** An option of a command: its commander flags, and its default when it takes a value. */
export type OptionSpec = string | { flags: string; default: string };

export const BROKERS_OPTION = '--brokers <list>';

/**
 * A command of `npm run ops`: its help text, its options, its positional arguments (all required), and
 * `execute`, which prints what it did and returns the exit code (0 when it returns nothing), or throws a
 * CliError. Options are named as commander names them: `--dry-run` is `dryRun`.
 */
export abstract class OpsCommand<Options extends object = object> extends CommandRunner {
  abstract readonly help: string;
  protected readonly options: readonly OptionSpec[] = [];
  protected readonly positionals: readonly string[] = [];

  override setCommand(command: CliCommand): this {
    for (const option of this.options) {
      if (typeof option === 'string') command.option(option);
      else command.option(option.flags, '', option.default);
    }
    return super.setCommand(configureCommander(command, () => this.help));
  }

  async run(params: string[]): Promise<void> {
    const name = this.command.name();
    const wanted = this.positionals;
    if (params.length < wanted.length) {
      const missing = wanted
        .slice(params.length)
        .map((p) => `<${p}>`)
        .join(' ');
      throw new UsageError(`${name}: missing ${missing} (npm run ops -- ${name} --help)`);
    }
    if (params.length > wanted.length) throw new UsageError(`${name}: unexpected argument "${params[wanted.length]}" (npm run ops -- ${name} --help)`);
    process.exitCode = (await this.execute(params, this.command.opts<Options>())) ?? 0;
  }

  protected abstract execute(params: string[], options: Options): Promise<number | void>;
}
