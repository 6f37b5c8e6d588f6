import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import type { InstantRecovery } from '../../api/instantRecoveries';
import { renderAs } from '../../test/withRole';
import { InstantRecoveriesPage, InstantRecoveryForm } from './InstantRecoveriesPage';

const MIB = 1024 * 1024;
const running: InstantRecovery = {
  id: 'ir1', restorePointId: 'p1', hostId: 'h1', name: 'db01-now', vmId: 'v9', state: 'RUNNING', error: null,
  finalizePath: null, requestedBy: 'op', createdAt: '2026-12-05T08:00:00Z', startedAt: '2026-12-05T08:00:02Z',
  finalizeStartedAt: null, finishedAt: null, bytesTotal: null, bytesMoved: null, progress: null,
};
const finalizing: InstantRecovery = {
  ...running, id: 'ir2', name: 'web01-now', state: 'FINALIZING', finalizeStartedAt: '2026-12-05T08:05:00Z',
  progress: { bytesDone: 256 * MIB, bytesTotal: 1024 * MIB, filesDone: 0, filesTotal: 0, currentFile: 'web01-now',
    bytesPerSecond: 64 * MIB, etaSeconds: 12 },
};

const calls: string[] = [];
vi.mock('../../api/instantRecoveries', async (original) => ({
  ...(await original<typeof import('../../api/instantRecoveries')>()),
  listInstantRecoveries: () => Promise.resolve({ items: [running, finalizing] }),
  finalizeInstantRecovery: (id: string) => { calls.push(`finalize ${id}`); return Promise.resolve(running); },
  discardInstantRecovery: (id: string) => { calls.push(`discard ${id}`); return Promise.resolve(); },
  startInstantRecovery: (point: string, name: string) => {
    calls.push(`start ${point} ${name}`);
    return name === 'taken'
      ? Promise.reject(new Error("name: host 'h' has a guest named 'taken' already"))
      : Promise.resolve(running);
  },
}));

beforeEach(() => {
  calls.length = 0;
});

describe('instant recoveries', () => {
  it('list each VM with its state and the progress of a finalize', async () => {
    renderAs('viewer', <InstantRecoveriesPage />);
    const row = (await screen.findByText('web01-now')).closest('tr')!;
    expect(within(row).getByText('FINALIZING')).toBeTruthy();
    expect(row.textContent).toContain('moving its disks to the host');
    expect(row.textContent).toContain('256.0 MiB of 1.0 GiB');
    expect(screen.queryByRole('button', { name: 'Finalize' })).toBeNull();
  });

  it('let an operator finalize or discard a VM that runs from its point, and nothing else', async () => {
    renderAs('operator', <InstantRecoveriesPage />);
    const row = (await screen.findByText('db01-now')).closest('tr')!;
    fireEvent.click(within(row).getByRole('button', { name: 'Finalize' }));
    fireEvent.click(within(row).getByRole('button', { name: 'Discard' }));
    const other = screen.getByText('web01-now').closest('tr')!;
    expect(within(other).queryByRole('button')).toBeNull();
    await waitFor(() => expect(calls).toEqual(['finalize ir1', 'discard ir1']));
  });

  it('start one from a restore point by name, and show why a name is refused', async () => {
    renderAs('operator', <InstantRecoveryForm pointId="p1" onClose={() => {}} />);
    const start = screen.getByRole('button', { name: 'Start from this point' }) as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('New VM name'), { target: { value: 'taken' } });
    fireEvent.click(start);
    expect(await screen.findByText(/has a guest named 'taken' already/)).toBeTruthy();
    expect(calls).toEqual(['start p1 taken']);
  });
});
