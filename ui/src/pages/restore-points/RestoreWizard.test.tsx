import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import type { RestorePoint } from '../../api/restorePoints';
import type { Vm } from '../../api/vms';
import { RestoreWizard } from './RestoreWizard';
import { restoreSummary } from './restoreSummary';

const startRestore = vi.fn();
vi.mock('../../api/restorePoints', async (original) => ({
  ...(await original<typeof import('../../api/restorePoints')>()),
  startRestore: (...args: unknown[]) => startRestore(...args),
}));

const point: RestorePoint = {
  id: 'p1', vmId: 'v1', vmName: 'db01', runId: 'r1', createdAt: '2026-11-26T10:00:00Z', mode: 'pause',
  consistency: 'crash', writer: 'simulated', repositoryId: 'repo', relativePath: 'v1/p1', sizeBytes: 1024 * 1024 * 1024,
  fileCount: 4, manifestSha256: 'abc', isProtected: false, verifiedAt: null, verifyStatus: null, verifyProblems: null,
  changeTracking: null, bytesWritten: null, bytesShared: null, bootTest: null,
};
const vm: Vm = {
  id: 'v1', name: 'db01', hostId: 'h1', ref: 'ref', state: 'RUNNING', stateError: null, canQuiesce: false,
  memoryBytes: 1, guestOs: 'Linux', directory: '/demo/db01', disks: [], lastRestorePointAt: null,
  present: true, vanishedAt: null,
  backupBlockedReason: null, quiesceNote: null, maxPointAge: null, unprotected: false, stateObservedAt: null, stateStale: false,
};
const base = { startAfter: false, stopVm: false, keepPrevious: false, force: false };

describe('restoreSummary', () => {
  it('says a new VM is created and the original left alone', () => {
    const steps = restoreSummary(point, vm, { ...base, target: 'new-vm', name: 'db01-copy' }, 'demo');
    expect(steps[0]).toBe('Create a new VM named db01-copy on demo with a new id and new disk file names.');
    expect(steps[1]).toMatch(/^Copy 4 files \(1\.0 GiB\) of db01 as of /);
    expect(steps).toContain('Leave the new VM off.');
    expect(steps).toContain('db01 itself is not touched.');
  });

  it('warns that a running VM is refused in place unless it may be shut down', () => {
    expect(restoreSummary(point, vm, { ...base, target: 'original' }).join(' '))
      .toMatch(/db01 is RUNNING: the server refuses/);
    const stopping = restoreSummary(point, vm, { ...base, target: 'original', stopVm: true, keepPrevious: true, startAfter: true });
    expect(stopping).toContain('Shut db01 down (it is RUNNING now) once the files are staged.');
    expect(stopping.join(' ')).toMatch(/kept beside it as db01\.before-restore-<time>/);
    expect(stopping[stopping.length - 1]).toBe('Start db01 again.');
  });

  it('names the folder of a restore to a path, and a failed verify', () => {
    const steps = restoreSummary({ ...point, verifyStatus: 'FAILED' }, vm, { ...base, target: 'path', path: '/restores/x' });
    expect(steps[0]).toMatch(/refuses the restore unless you force it/);
    expect(steps[1]).toMatch(/to \/restores\/x;/);
  });
});

describe('RestoreWizard', () => {
  it('shows what will happen before it starts the restore', async () => {
    startRestore.mockResolvedValue({ id: 'rs1', status: 'RUNNING', finishedAt: null, bytesCopied: 0, bytesTotal: 0, progress: null });
    render(<RestoreWizard point={point} vm={vm} hosts={[{ id: 'h1', name: 'demo', type: 'simulated', settings: {}, createdAt: '2026-11-01T10:00:00Z', lastRefreshAt: null, lastRefreshError: null }]} onClose={() => {}} />);
    fireEvent.click(screen.getByLabelText(/A new VM/));
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    fireEvent.change(screen.getByLabelText('New VM name'), { target: { value: 'db01-copy' } });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    expect(screen.getByRole('heading', { name: 'What will happen' })).toBeTruthy();
    expect(screen.getByText('Create a new VM named db01-copy on demo with a new id and new disk file names.')).toBeTruthy();
    expect(startRestore).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Start restore' }));
    await waitFor(() => expect(startRestore).toHaveBeenCalledWith('p1',
      { target: 'new-vm', name: 'db01-copy', hostId: 'h1', startAfter: false, stopVm: false, keepPrevious: false, force: false }));
    expect(await screen.findByRole('progressbar', { name: 'Restore of db01' })).toBeTruthy();
  });
});
