import type { Command } from 'commander';

/**
 * Each subcommand lives in its own module and registers itself on the program.
 * `exit` records the process exit code the command's action decided on.
 */
export type RegisterCommand = (program: Command, exit: (code: number) => void) => void;
