import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TinymlError } from '../errors.js';

/** The board a `tinyml convert` project was made for (its convert-report.json), if it is one. */
export function readProjectBoard(dir: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(path.join(dir, 'convert-report.json'), 'utf8')) as { board?: string }).board;
  } catch {
    return undefined;
  }
}

/** `--board` if given, else the project's own board; an error that says what to pass otherwise. */
export function projectBoardId(dir: string, explicit: string | undefined): string {
  const id = explicit ?? readProjectBoard(dir);
  if (!id) throw new TinymlError('usage', `${dir}: no convert-report.json to take the board from`, 'Pass --board <id>.');
  return id;
}
