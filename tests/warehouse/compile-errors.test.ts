import { describe, expect, it } from 'vitest';
import { joinNegativeValues } from '../../cli/args.ts';
import { describeCompilationErrors } from '../../warehouse/compile-errors.ts';

describe('describeCompilationErrors()', () => {
  const includeFailed = {
    fileName: 'includes/constants.js',
    message: "var lookbackMinutes must be a whole number of minutes, got 'abc'\n    at stack",
  };
  const knockOn = (name: string) => ({
    fileName: `definitions/${name}.sqlx`,
    actionName: `p.logflow.${name}`,
    message: 'constants is not defined',
  });
  it.each([
    [
      'an include and its knock-on errors',
      [includeFailed, knockOn('a'), knockOn('b')],
      [
        "includes/constants.js: var lookbackMinutes must be a whole number of minutes, got 'abc'; 2 actions that use constants could not compile because of it",
      ],
    ],
    [
      'one knock-on error',
      [includeFailed, knockOn('a')],
      [
        "includes/constants.js: var lookbackMinutes must be a whole number of minutes, got 'abc'; 1 action that use constants could not compile because of it",
      ],
    ],
    [
      'an include error alone',
      [includeFailed],
      ["includes/constants.js: var lookbackMinutes must be a whole number of minutes, got 'abc'"],
    ],
    [
      'independent errors keep their lines',
      [includeFailed, knockOn('a'), { fileName: 'definitions/x.sqlx', actionName: 'p.logflow.x', message: 'helper is not defined' }],
      [
        "includes/constants.js: var lookbackMinutes must be a whole number of minutes, got 'abc'; 1 action that use constants could not compile because of it",
        'definitions/x.sqlx, action p.logflow.x: helper is not defined',
      ],
    ],
    [
      'a missing global without a failed include is its own error',
      [knockOn('a')],
      ['definitions/a.sqlx, action p.logflow.a: constants is not defined'],
    ],
    ['an error without a file', [{ message: 'boom' }], ['project: boom']],
  ])('%s', (_name, errors, lines) => {
    expect(describeCompilationErrors(errors)).toEqual(lines);
  });
});

describe('joinNegativeValues()', () => {
  const options = { 'batch-lines': { type: 'string' as const }, quiet: { type: 'boolean' as const } };
  it.each([
    [
      ['--batch-lines', '-1', 'a.log'],
      ['--batch-lines=-1', 'a.log'],
    ],
    [['--batch-lines', '-0.5'], ['--batch-lines=-0.5']],
    [
      ['--batch-lines', '-x'],
      ['--batch-lines', '-x'],
    ],
    [
      ['--quiet', '-1'],
      ['--quiet', '-1'],
    ],
    [
      ['--', '--batch-lines', '-1'],
      ['--', '--batch-lines', '-1'],
    ],
    [['--batch-lines=-1'], ['--batch-lines=-1']],
  ])('%j -> %j', (argv, expected) => {
    expect(joinNegativeValues(argv, options)).toEqual(expected);
  });
});
