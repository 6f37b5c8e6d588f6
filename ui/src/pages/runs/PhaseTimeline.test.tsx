import { render, screen, within } from '@testing-library/react';
import type { Run } from '../../api/runs';
import { PhaseTimeline } from './PhaseTimeline';
import { plainOutcome } from './plainError';

const run = { status: 'FAILED', phase: 'copy', consistency: null, error: 'copy of VM db01 failed: No space left on device' } as Run;

describe('PhaseTimeline', () => {
  it('lists the phases in the order they happen, with their durations and the downtime', () => {
    render(<PhaseTimeline downtimeMillis={61}
      phaseMillis={{ copy: 2339, resume: 1, release: 90, prepare: 0, quiesce: 7, commit: 338, snapshot: 14 }} />);
    const table = screen.getByRole('table', { name: 'Phases (guest downtime 61 ms)' });
    const phases = within(table).getAllByRole('rowheader').map((cell) => cell.textContent?.trim());
    expect(phases).toEqual(['prepare', 'quiesce', 'snapshot', 'resume', 'copy', 'commit', 'release']);
    expect(within(table).getByText('2.3 s')).toBeTruthy();
  });

  it('says so when no phase has finished', () => {
    render(<PhaseTimeline phaseMillis={{}} downtimeMillis={null} />);
    expect(screen.getByText('No phase has finished yet.')).toBeTruthy();
  });
});

describe('plainOutcome', () => {
  it('puts a failure in plain words', () => {
    expect(plainOutcome(run)).toBe('The repository ran out of space.');
    expect(plainOutcome({ ...run, error: 'boom' })).toBe('The backup failed while copying the files.');
    expect(plainOutcome({ ...run, error: 'interrupted: node vm stopped' })).toMatch(/server stopped/);
    expect(plainOutcome({ ...run, status: 'SUCCEEDED', consistency: 'crash', error: null })).toBe('The backup succeeded with crash consistency.');
    expect(plainOutcome({ ...run, status: 'SKIPPED' })).toMatch(/VM was busy/);
  });
});
