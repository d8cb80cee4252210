/** What every "tool missing" error ends with (kept apart from doctor.ts so build/ can import it without a cycle). */
export const DOCTOR_HINT = '`tinyml doctor` lists which tools are installed and the command that installs each missing one';
