import { render, screen, within } from '@testing-library/react';
import type { Run } from '../../api/runs';
import { RunDetailPage } from './RunDetailPage';
import { RunsPage } from './RunsPage';

const MIB = 1024 * 1024;

const compared = {
  id: 'r1', vmId: 'v1', jobId: null, repositoryId: 'repo', scheduledFor: null, status: 'SUCCEEDED', phase: null,
  requestedMode: 'pause', mode: 'pause', writer: 'simulated', consistency: 'crash', node: 'n1',
  createdAt: '2026-12-04T10:00:00Z', startedAt: '2026-12-04T10:00:00Z', finishedAt: '2026-12-04T10:01:00Z',
  downtimeMillis: 200, phaseMillis: null, bytesTotal: 1024 * MIB, bytesCopied: 1024 * MIB, filesTotal: 3, filesCopied: 3,
  restorePointId: null, error: null, progress: null, changeTracking: 'compare',
  changeTrackingReason: 'bitmap inconsistent: QEMU stopped without saving it',
  bytesRead: 1024 * MIB, bytesWritten: 12 * MIB, bytesShared: 1012 * MIB,
} satisfies Run;
const old: Run = {
  ...compared, id: 'r0', createdAt: '2026-11-01T10:00:00Z', changeTracking: null, changeTrackingReason: null,
  bytesRead: null, bytesWritten: null, bytesShared: null,
};

vi.mock('../../api/runs', async (original) => ({
  ...(await original<typeof import('../../api/runs')>()),
  listRuns: () => Promise.resolve({ items: [compared, old] }),
  getRun: (id: string) => Promise.resolve(id === compared.id ? compared : old),
}));
vi.mock('../../api/vms', async (original) => ({
  ...(await original<typeof import('../../api/vms')>()),
  listVms: () => Promise.resolve([]),
}));

describe('runs of incremental backups', () => {
  it('list the change tracking with its reason and what was read, written and shared', async () => {
    render(<RunsPage />);
    const row = (await screen.findByText(/bitmap inconsistent/)).closest('tr')!;
    const cells = within(row).getAllByRole('cell').map((c) => c.textContent);
    expect(cells).toContain('compare (bitmap inconsistent: QEMU stopped without saving it)');
    expect(cells).toEqual(expect.arrayContaining(['1.0 GiB', '12.0 MiB', '1012.0 MiB']));
    const oldRow = screen.getAllByRole('row').slice(1).find((r) => r !== row)!;
    expect(within(oldRow).getAllByRole('cell').filter((c) => c.textContent === '—').length).toBeGreaterThanOrEqual(4);
  });

  it('show in a run detail how the run knew what changed and what it cost', async () => {
    render(<RunDetailPage id="r1" />);
    expect(await screen.findByText('compare: read everything, wrote only what differs')).toBeTruthy();
    expect(screen.getByText('(bitmap inconsistent: QEMU stopped without saving it)')).toBeTruthy();
    expect(screen.getByText('read 1.0 GiB, wrote 12.0 MiB, shared 1012.0 MiB with the previous point, of 1.0 GiB'))
      .toBeTruthy();
  });

  it('say nothing about sharing for a run made before incremental copies', async () => {
    render(<RunDetailPage id="r0" />);
    const tracking = await screen.findByText('Change tracking');
    expect(tracking.nextElementSibling?.textContent).toBe('—');
    expect(screen.getByText('Read, written, shared').nextElementSibling?.textContent).toBe('—');
  });
});
