// Exit codes and error lines.
import { CommanderError } from 'commander';
import { describe, expect, it } from 'vitest';
import { UserError, errorCodes } from '../../errors.js';
import { EXIT, ExitSignal, ExitWith, reportCliError } from './errors.js';

describe('reportCliError', () => {
  it.each<[string, unknown, number, string]>([
    ['a user error', new UserError(errorCodes.CLI_TIMEOUT, 'timed out; raise --timeout'), EXIT.FAILED, 'error: timed out; raise --timeout (KAWA_CLI_TIMEOUT)\n'],
    ['any error', new Error('boom'), EXIT.FAILED, 'error: boom\n'],
    ['commander usage (already printed)', new CommanderError(1, 'commander.unknownOption', 'x'), EXIT.USAGE, ''],
    ['help', new CommanderError(0, 'commander.helpDisplayed', 'x'), EXIT.OK, ''],
    ['silent exit', new ExitSignal(1), 1, ''],
    ['an error with its own code', new ExitWith(2, new UserError(errorCodes.API_NOT_FOUND, 'gone')), 2, 'error: gone (KAWA_API_NOT_FOUND)\n'],
  ])('%s', (_name, err, code, printed) => {
    let text = '';
    expect(reportCliError(err, { err: (t) => (text += t), stderrTty: false, env: {} })).toBe(code);
    expect(text).toBe(printed);
  });
  it('colors on a terminal only', () => {
    let text = '';
    reportCliError(new Error('x'), { err: (t) => (text += t), stderrTty: true, env: {} });
    expect(text).toBe('\u001b[31merror:\u001b[0m x\n');
  });
});
