/** An error the CLI prints as it is (no stack): it says what is wrong and what to do. */
export class CliError extends Error {
  /** 2: the command line or an input file is wrong; 1: something the command needs is missing or failed. */
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
    this.name = 'UsageError';
  }
}
