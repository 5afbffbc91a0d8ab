// Questions on the terminal: a line, a password without echo, a yes/no confirmation.
import { createInterface } from 'node:readline';
import { UserError, errorCodes } from '../../errors.js';

function needTty(what: string, flag: string): void {
  if (!process.stdin.isTTY) throw new UserError(errorCodes.CLI_INVALID_ARGUMENT, `cannot ask for ${what}: stdin is not a terminal; pass ${flag}`);
}

export async function askLine(question: string, flag: string): Promise<string> {
  needTty(question.replace(/:\s*$/, '').toLowerCase(), flag);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await new Promise<string>((resolve) => {
      rl.question(question, resolve);
    });
  } finally {
    rl.close();
  }
}

export async function askSecret(question: string, flag: string): Promise<string> {
  needTty(question.replace(/:\s*$/, '').toLowerCase(), flag);
  process.stderr.write(question);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  stdin.setEncoding('utf8');
  try {
    return await new Promise<string>((resolve, reject) => {
      let value = '';
      const onData = (chunk: string): void => {
        for (const ch of chunk) {
          if (ch === '\r' || ch === '\n' || ch === '\u0004') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            resolve(value);
            return;
          }
          if (ch === '\u0003') {
            stdin.off('data', onData);
            process.stderr.write('\n');
            reject(new UserError(errorCodes.CLI_INVALID_ARGUMENT, 'interrupted'));
            return;
          }
          if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
          else value += ch;
        }
      };
      stdin.on('data', onData);
    });
  } finally {
    stdin.setRawMode(false);
    stdin.pause();
  }
}

/** Yes/no; without a terminal the answer must come from a flag (`-y`). */
export async function confirm(question: string, flag: string): Promise<boolean> {
  const answer = await askLine(`${question} [y/n] `, flag);
  return /^y(es)?$/i.test(answer.trim());
}
