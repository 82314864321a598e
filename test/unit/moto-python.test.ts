import { findMotoPython, MotoUnavailableError, planMotoPython, type MotoPythonEnvironment, type MotoPythonFacts, type PythonReport } from '../../cli/moto-python';

// Which Python runs moto, decided from what the interpreters say; nothing here runs Python or reaches a network.
const DIR = '/project/.venv-moto';
const PINNED: PythonReport = { motoServer: '5.2.1', canMakeVenv: true };
const BARE: PythonReport = { motoServer: null, canMakeVenv: true };
const EXACT_COMMAND = 'python3 -m venv /project/.venv-moto && /project/.venv-moto/bin/python -m pip install "moto[server]==5.2.1"';

const facts = (over: Partial<MotoPythonFacts>): MotoPythonFacts => ({ path: BARE, venvDir: DIR, venv: { exists: false, report: null }, ...over });

describe('which Python runs the moto server', () => {
  test('moto found: the python3 on PATH with the pinned moto server is used as it is', () => {
    expect(planMotoPython(facts({ path: PINNED }))).toMatchObject({ kind: 'use', python: 'python3' });
  });

  test('venv present: the project environment with the pinned moto is used, whatever PATH has', () => {
    expect(planMotoPython(facts({ path: null, venv: { exists: true, report: PINNED } }))).toMatchObject({ kind: 'use', python: '/project/.venv-moto/bin/python' });
  });

  test('must install: python3 without moto makes the environment and installs the pinned server into it, saying so', () => {
    const plan = planMotoPython(facts({}));
    expect(plan).toMatchObject({
      kind: 'install',
      python: '/project/.venv-moto/bin/python',
      commands: [
        ['python3', '-m', 'venv', DIR],
        ['/project/.venv-moto/bin/python', '-m', 'pip', 'install', '--disable-pip-version-check', 'moto[server]==5.2.1'],
      ],
    });
    expect(plan.kind === 'install' && plan.progress).toMatch(/^First run: python3 has no moto server; creating \/project\/\.venv-moto and installing moto\[server\]==5\.2\.1/);
  });

  test('must install: an environment left without moto (an interrupted first run) only gets the package', () => {
    expect(planMotoPython(facts({ venv: { exists: true, report: BARE } }))).toMatchObject({
      kind: 'install',
      commands: [['/project/.venv-moto/bin/python', '-m', 'pip', 'install', '--disable-pip-version-check', 'moto[server]==5.2.1']],
    });
  });

  test('must install: an environment folder whose interpreter no longer runs is made anew', () => {
    const plan = planMotoPython(facts({ venv: { exists: true, report: null } }));
    expect(plan.kind === 'install' && plan.commands[0]).toEqual(['python3', '-m', 'venv', '--clear', DIR]);
  });

  test('must install: another moto version on PATH is not the pinned one; the way to use it anyway is named', () => {
    const plan = planMotoPython(facts({ path: { motoServer: '4.2.14', canMakeVenv: true } }));
    expect(plan.kind).toBe('install');
    expect(plan.kind === 'install' && plan.progress).toContain('python3 on PATH has moto 4.2.14; the tests pin 5.2.1');
    expect(plan.kind === 'install' && plan.manual).toBe(`${EXACT_COMMAND}; or use python3's moto 4.2.14 as it is: S3PW_PYTHON=python3`);
  });

  test('cannot install: no Python at all names the Debian packages and the exact command', () => {
    expect(planMotoPython(facts({ path: null }))).toEqual({
      kind: 'cannot',
      reason: 'python3 was not found on PATH; the local AWS emulator (moto) needs Python 3',
      manual: `install Python 3 with its venv module (Debian/Ubuntu: apt-get install python3 python3-venv), then: ${EXACT_COMMAND}`,
    });
  });

  test('cannot install: a Python without the venv module (Debian without python3-venv) says so', () => {
    const plan = planMotoPython(facts({ path: { motoServer: null, canMakeVenv: false } }));
    expect(plan.kind).toBe('cannot');
    expect(plan.kind === 'cannot' && plan.manual).toBe(
      `apt-get install python3-venv (Debian/Ubuntu), then: ${EXACT_COMMAND}; or install moto for python3 itself: python3 -m pip install "moto[server]==5.2.1"`,
    );
  });

  test('S3PW_PYTHON is taken as chosen: used when it has moto, never installed into', () => {
    expect(planMotoPython(facts({ chosen: { command: '/opt/py/bin/python3', report: { motoServer: '5.1.0', canMakeVenv: true } } }))).toMatchObject({
      kind: 'use',
      python: '/opt/py/bin/python3',
    });
    expect(planMotoPython(facts({ chosen: { command: '/nonexistent/python3', report: null }, path: PINNED }))).toMatchObject({
      kind: 'cannot',
      reason: 'S3PW_PYTHON=/nonexistent/python3 could not be run',
      manual: '/nonexistent/python3 -m pip install "moto[server]==5.2.1" (or unset S3PW_PYTHON to use the project\'s own environment)',
    });
  });
});

describe('setting moto up on first use', () => {
  /** A machine whose python3 has no moto and whose pip answers as `pip` says; records what was run and printed. */
  function machine(pip: { status: number | null; output: string }, installs = pip.status === 0) {
    let installed = false;
    const ran: string[][] = [];
    const printed: string[] = [];
    const env: MotoPythonEnvironment = {
      venvDir: DIR,
      report: (python) => (python === 'python3' ? BARE : installed ? PINNED : BARE),
      venvExists: () => ran.length > 0,
      run: (command) => {
        ran.push(command);
        if (command.includes('pip')) {
          installed = installs;
          return pip;
        }
        return { status: 0, output: '' };
      },
      progress: (line) => printed.push(line),
    };
    return { env, ran, printed };
  }

  test('installs once with a progress line and returns the environment interpreter', () => {
    const { env, ran, printed } = machine({ status: 0, output: 'Successfully installed moto-5.2.1' });
    expect(findMotoPython(env)).toBe('/project/.venv-moto/bin/python');
    expect(ran).toHaveLength(2);
    expect(printed[0]).toMatch(/^First run: /);
    expect(printed[1]).toBe('moto 5.2.1 is ready in /project/.venv-moto.');
  });

  test('no package index: stops with pip\'s own words and the exact command to run', () => {
    const { env } = machine({ status: 1, output: 'ERROR: Could not find a version that satisfies the requirement moto[server]==5.2.1 (from versions: none)\nERROR: No matching distribution found for moto[server]==5.2.1' });
    expect(() => findMotoPython(env)).toThrow(MotoUnavailableError);
    expect(() => findMotoPython(env)).toThrow(/No matching distribution found for moto\[server\]==5\.2\.1/);
    expect(() => findMotoPython(env)).toThrow(`Run: ${EXACT_COMMAND}`);
  });

  test('an install that reports success but leaves no importable server is not taken for one', () => {
    const { env } = machine({ status: 0, output: '' }, false);
    expect(() => findMotoPython(env)).toThrow(/was installed into \/project\/\.venv-moto, but its server still does not import/);
  });
});
