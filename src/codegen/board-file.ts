/**
 * Board lookup for `convert`: `--board <id>` loads boards/<id>.json; a path to a .json file is
 * loaded as is (test fixtures, private boards). Both go through the boards module's loader, so
 * the file is validated against boards/board.schema.json either way.
 */
import type { BoardProfile } from '../boards/board.js';
import { DEFAULT_BOARDS_DIR, loadBoard, loadBoardFile } from '../boards/load.js';

export function loadBoardForCodegen(idOrPath: string): BoardProfile {
  if (idOrPath.endsWith('.json')) return loadBoardFile(idOrPath, { boardsDir: DEFAULT_BOARDS_DIR });
  return loadBoard(idOrPath);
}
