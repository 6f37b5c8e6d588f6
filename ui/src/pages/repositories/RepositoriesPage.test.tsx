import { render, screen, within } from '@testing-library/react';
import type { Repository, UsageSample } from '../../api/repositories';
import { RepositoriesPage } from './RepositoriesPage';

const GIB = 1024 * 1024 * 1024;
const reflinked: Repository = {
  id: 'a', name: 'xfs-pool', path: '/srv/xfs', createdAt: '2026-11-01T00:00:00Z', totalBytes: 100 * GIB,
  usableBytes: 90 * GIB, usedBytes: 10 * GIB, logicalBytes: 40 * GIB, restorePoints: 4, blockClone: true,
  blockCloneCheckedAt: '2026-12-04T08:00:00Z',
};
const linked: Repository = { ...reflinked, id: 'b', name: 'ext4-pool', path: '/srv/ext4', blockClone: false };
const unprobed: Repository = { ...reflinked, id: 'c', name: 'nfs-pool', path: '/mnt/nfs', blockClone: null, restorePoints: 0 };
const usage: Record<string, UsageSample[]> = {
  a: [
    { sampledAt: '2026-12-03T00:00:00Z', usedBytes: 5 * GIB, logicalBytes: 20 * GIB },
    { sampledAt: '2026-12-04T00:00:00Z', usedBytes: 10 * GIB, logicalBytes: 40 * GIB },
  ],
  b: [],
  c: [{ sampledAt: '2026-12-04T00:00:00Z', usedBytes: null, logicalBytes: 0 }],
};

vi.mock('../../api/repositories', () => ({
  listRepositories: () => Promise.resolve([reflinked, linked, unprobed]),
  repositoryUsage: (id: string) => Promise.resolve(usage[id]),
}));

const rowOf = (name: string) => screen.getByRole('row', { name: new RegExp(name) });

describe('RepositoriesPage', () => {
  it('says whether each repository clones blocks and what that means for its points', async () => {
    render(<RepositoriesPage />);
    await screen.findByRole('rowheader', { name: 'xfs-pool' });
    expect(within(rowOf('xfs-pool')).getByText('(reflink: points share unchanged blocks)').parentElement?.textContent)
      .toBe('yes (reflink: points share unchanged blocks)');
    expect(within(rowOf('ext4-pool')).getByText('(hard links: changed files written whole)').parentElement?.textContent)
      .toMatch(/^no /);
    expect(within(rowOf('nfs-pool')).getByText(/^unknown/)).toBeTruthy();
  });

  it('sets the space its points use beside their logical size', async () => {
    render(<RepositoriesPage />);
    await screen.findByRole('rowheader', { name: 'xfs-pool' });
    expect(within(rowOf('xfs-pool')).getByText('4 points, 40.0 GiB logical; 10.0 GiB used on disk')).toBeTruthy();
  });

  it('charts used against logical over time for each repository', async () => {
    render(<RepositoriesPage />);
    const chart = (await screen.findByRole('heading', { name: 'xfs-pool' })).closest('section')!;
    await within(chart).findByRole('img', { name: 'Used and Logical over time' });
    expect(chart.querySelector('figcaption')?.textContent).toBe('Used: latest 10.0 GiB, highest 10.0 GiB; Logical: latest 40.0 GiB');
    const ext4 = screen.getByRole('heading', { name: 'ext4-pool' }).closest('section')!;
    expect(within(ext4).getByText('no data yet')).toBeTruthy();
    const nfs = screen.getByRole('heading', { name: 'nfs-pool' }).closest('section')!;
    await within(nfs).findByRole('img');
    // an unreadable file system leaves a gap in used, not a drop to zero
    expect(nfs.querySelector('figcaption')?.textContent).toBe('Used; Logical: latest 0 B');
    expect(nfs.querySelectorAll('circle:not(.second)')).toHaveLength(0);
  });
});
