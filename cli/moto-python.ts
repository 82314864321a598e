import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * Which Python runs the moto server. A fresh machine has Python 3 but no moto: the demo and the tests then make a
 * virtual environment inside the project (git-ignored) and install the pinned moto server into it on first use.
 * `planMotoPython` decides from what the interpreters report; `findMotoPython` asks them and carries the plan out.
 */

/** The moto release the tests are written against. */
export const MOTO_VERSION = '5.2.1';
export const MOTO_REQUIREMENT = `moto[server]==${MOTO_VERSION}`;
/** The project-local virtual environment, beside package.json. */
export const MOTO_VENV = resolve(__dirname, '..', '.venv-moto');

/** What one interpreter said about itself; null when it could not be run at all. */
export interface PythonReport {
  /** moto's version, when `import moto.server` works (the server extra is installed). */
  motoServer: string | null;
  /** `python -m venv` can make an environment with pip in it (the venv and ensurepip modules exist). */
  canMakeVenv: boolean;
}

export interface MotoPythonFacts {
  /** S3PW_PYTHON: the interpreter the user chose; nothing is installed for it. */
  chosen?: { command: string; report: PythonReport | null };
  /** `python3` on PATH; null when it cannot be run (or was not asked because an earlier choice serves). */
  path: PythonReport | null;
  venvDir: string;
  /** The interpreter of the project's environment: absent when the folder has none. */
  venv: { exists: boolean; report: PythonReport | null };
}

export type MotoPythonPlan =
  | { kind: 'use'; python: string; origin: string }
  | { kind: 'install'; progress: string; commands: string[][]; python: string; manual: string }
  | { kind: 'cannot'; reason: string; manual: string };

export const venvPython = (venvDir: string) => join(venvDir, 'bin', 'python');

/** The commands a person runs when the automatic set-up cannot: make the environment, install the server. */
export function manualInstall(venvDir: string): string {
  return `python3 -m venv ${venvDir} && ${venvPython(venvDir)} -m pip install "${MOTO_REQUIREMENT}"`;
}

/** Decides which interpreter runs moto, or what to install, or why nothing can be done (with the exact command). */
export function planMotoPython(facts: MotoPythonFacts): MotoPythonPlan {
  const { chosen, path, venvDir, venv } = facts;
  const other = path?.motoServer && path.motoServer !== MOTO_VERSION ? path.motoServer : null;
  // A different moto on PATH may serve as it is, at the user's choice.
  const manual = manualInstall(venvDir) + (other ? `; or use python3's moto ${other} as it is: S3PW_PYTHON=python3` : '');
  if (chosen) {
    if (chosen.report?.motoServer) return { kind: 'use', python: chosen.command, origin: `S3PW_PYTHON (moto ${chosen.report.motoServer})` };
    return {
      kind: 'cannot',
      reason: chosen.report
        ? `S3PW_PYTHON=${chosen.command} has no moto server (import moto.server fails)`
        : `S3PW_PYTHON=${chosen.command} could not be run`,
      manual: `${chosen.command} -m pip install "${MOTO_REQUIREMENT}" (or unset S3PW_PYTHON to use the project's own environment)`,
    };
  }
  if (venv.report?.motoServer === MOTO_VERSION) return { kind: 'use', python: venvPython(venvDir), origin: `${venvDir} (moto ${MOTO_VERSION})` };
  if (path?.motoServer === MOTO_VERSION) return { kind: 'use', python: 'python3', origin: `python3 on PATH (moto ${MOTO_VERSION})` };
  const found = other ? ` (python3 on PATH has moto ${other}; the tests pin ${MOTO_VERSION})` : '';
  const install = ['-m', 'pip', 'install', '--disable-pip-version-check', MOTO_REQUIREMENT];
  // An environment whose interpreter runs only lacks the package (a first install that was interrupted).
  if (venv.report) {
    return { kind: 'install', progress: `Installing ${MOTO_REQUIREMENT} into ${venvDir}${found} ...`, commands: [[venvPython(venvDir), ...install]], python: venvPython(venvDir), manual };
  }
  if (!path) return { kind: 'cannot', reason: 'python3 was not found on PATH; the local AWS emulator (moto) needs Python 3', manual: `install Python 3 with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv), then: ${manual}` };
  if (!path.canMakeVenv) {
    return {
      kind: 'cannot',
      reason: `python3 cannot make a virtual environment (no venv/ensurepip module)${found}`,
      manual: `apt-get install python3-venv (Debian/Ubuntu), then: ${manual}; or install moto for python3 itself: python3 -m pip install "${MOTO_REQUIREMENT}"`,
    };
  }
  return {
    kind: 'install',
    progress: `First run: python3 has no moto server${found}; creating ${venvDir} and installing ${MOTO_REQUIREMENT} into it (once; about a minute) ...`,
    // --clear: a folder whose interpreter does not run (Python upgraded or moved) is made anew.
    commands: [['python3', '-m', 'venv', ...(venv.exists ? ['--clear'] : []), venvDir], [venvPython(venvDir), ...install]],
    python: venvPython(venvDir),
    manual,
  };
}

export class MotoUnavailableError extends Error {
  override name = 'MotoUnavailableError';
}

/** Runs a command to completion: its exit status (null when it could not start) and its combined output. */
export type RunCommand = (command: string[]) => { status: number | null; output: string };

/** The effects `findMotoPython` needs; tests replace them so that nothing is installed or downloaded. */
export interface MotoPythonEnvironment {
  chosen?: string;
  venvDir: string;
  report(python: string): PythonReport | null;
  venvExists(dir: string): boolean;
  run: RunCommand;
  progress(line: string): void;
}

const REPORT_SCRIPT = [
  'import importlib.util as u, json',
  'try:',
  '    import moto.server',
  '    moto_server = moto.__version__',
  'except Exception:',
  '    moto_server = None',
  'print(json.dumps({"motoServer": moto_server, "canMakeVenv": bool(u.find_spec("venv") and u.find_spec("ensurepip"))}))',
].join('\n');

function reportOf(python: string): PythonReport | null {
  const probe = spawnSync(python, ['-c', REPORT_SCRIPT], { encoding: 'utf8', timeout: 60_000 });
  if (probe.error || probe.status !== 0) return null;
  try {
    return JSON.parse(probe.stdout.trim().split('\n').pop()!) as PythonReport;
  } catch {
    return null;
  }
}

export const processEnvironment = (progress: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): MotoPythonEnvironment => ({
  chosen: process.env.S3PW_PYTHON || undefined,
  venvDir: MOTO_VENV,
  report: reportOf,
  venvExists: (dir) => existsSync(dir),
  run: ([command, ...args]) => {
    const result = spawnSync(command!, args, { encoding: 'utf8', timeout: 15 * 60_000 });
    return { status: result.error ? null : result.status, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}` };
  },
  progress,
});

/** The interpreter that runs moto's server: found, or installed into the project's environment, or a MotoUnavailableError with the command to run. */
export function findMotoPython(env: MotoPythonEnvironment = processEnvironment()): string {
  const venvReport = env.venvExists(env.venvDir) ? env.report(venvPython(env.venvDir)) : null;
  const facts: MotoPythonFacts = {
    ...(env.chosen ? { chosen: { command: env.chosen, report: env.report(env.chosen) } } : {}),
    // The PATH interpreter is asked only when the environment cannot serve.
    path: env.chosen || venvReport?.motoServer === MOTO_VERSION ? null : env.report('python3'),
    venvDir: env.venvDir,
    venv: { exists: env.venvExists(env.venvDir), report: venvReport },
  };
  const plan = planMotoPython(facts);
  if (plan.kind === 'use') return plan.python;
  if (plan.kind === 'cannot') throw new MotoUnavailableError(`${plan.reason}. Run: ${plan.manual}`);
  env.progress(plan.progress);
  for (const command of plan.commands) {
    const result = env.run(command);
    if (result.status !== 0) {
      const tail = result.output.trim().split('\n').slice(-3).join('\n  ');
      throw new MotoUnavailableError(
        `could not set up moto automatically: \`${command.join(' ')}\` ${result.status === null ? 'could not start' : `exited with ${result.status}`}` +
          `${tail ? `:\n  ${tail}` : ''}\n(pip needs a package index that has ${MOTO_REQUIREMENT}.) Run: ${plan.manual}`,
      );
    }
  }
  if (env.report(plan.python)?.motoServer !== MOTO_VERSION) {
    throw new MotoUnavailableError(`${MOTO_REQUIREMENT} was installed into ${env.venvDir}, but its server still does not import. Run: ${plan.manual}`);
  }
  env.progress(`moto ${MOTO_VERSION} is ready in ${env.venvDir}.`);
  return plan.python;
}
