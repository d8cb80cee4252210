import type { Command } from 'commander';
import { installFor, runDoctor } from '../build/doctor.js';
import { TinymlError } from '../errors.js';
import { printJson } from './output.js';

/**
 * `tinyml doctor`: each toolchain and tool the commands can use, found or missing, its version,
 * what it enables and the command that installs it here (all three OSes with --json).
 */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the toolchains and tools tinyml can use (cc, arm-none-eabi-gcc + newlib, qemu-system-arm, avr-gcc, socat, chromium, clang sanitizers, serial permissions) and say how to install what is missing')
    .option('--json', 'print { platform, tools: [{ id, found, version, path, enables, detail, optional, install: { debian, macos, windows } }], missing, missingRequired }')
    .option('--strict', 'exit 6 when a tool that is not optional is missing (for CI)')
    .addHelpText(
      'after',
      `
Examples:
  tinyml doctor
  tinyml doctor --json | jq -r '.tools[] | select(.found | not) | .install.debian'
  tinyml doctor --strict        (CI: fail when anything is missing)

Exit codes: 0 (also when tools are missing, unless --strict), 6 with --strict and a missing tool.`,
    )
    .action((opts: { json?: boolean; strict?: boolean }) => {
      const r = runDoctor();
      if (opts.json) printJson(r);
      else {
        const w = Math.max(...r.tools.map((t) => t.id.length));
        const lines: string[] = [];
        for (const t of r.tools) {
          const mark = t.found ? 'ok     ' : t.optional ? 'absent ' : 'MISSING';
          lines.push(`${mark} ${t.id.padEnd(w)}  ${t.found ? (t.version ?? '') : (t.detail ?? 'not found')}`);
          lines.push(`        ${''.padEnd(w)}  enables: ${t.enables}`);
          if (!t.found) lines.push(`        ${''.padEnd(w)}  install: ${installFor(t, r.platform)}`);
        }
        lines.push(
          r.missing.length === 0
            ? 'everything tinyml can use is installed'
            : `${r.missing.length} missing: ${r.missing.join(', ')} (--json lists the install commands for Debian/Ubuntu, macOS and Windows)`,
        );
        process.stdout.write(lines.join('\n') + '\n');
      }
      if (opts.strict && r.missingRequired.length) {
        throw new TinymlError('toolchain', `missing: ${r.missingRequired.join(', ')}`, r.tools.filter((t) => !t.found && !t.optional).map((t) => `${t.id}: ${installFor(t, r.platform)}`).join('\n      '));
      }
    });
}
