'use strict';
// Errors the CLI and the demo print as they are (no stack): they say what is wrong and what to do.

class CliError extends Error {
  /** exitCode 2: the command line or an input file is wrong; 1: something it needs is missing or failed. */
  constructor(message, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

class UsageError extends CliError {
  constructor(message) {
    super(message, 2);
    this.name = 'UsageError';
  }
}

module.exports = { CliError, UsageError };
