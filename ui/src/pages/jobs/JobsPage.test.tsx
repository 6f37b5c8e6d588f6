import { fireEvent, screen } from '@testing-library/react';
import type { Job } from '../../api/jobs';
import { renderAs } from '../../test/withRole';
import { JobsPage, PruneTable } from './JobsPage';

const legacy: Job = {
  id: 'j2', name: 'old-regex', schedule: '0 0 2 * * ?', timeZone: 'UTC', vmIds: [], vmNamePattern: null,
  legacyVmNameRegex: '(web|db)[0-9]+', mode: 'auto', writer: null, repositoryId: 'r', retention: { keepLast: 3 },
  enabled: false, verifyAfter: false, maxParallel: 2, minimumConsistency: null, compareEvery: null, createdAt: '', updatedAt: '',
  nextFireTimes: [], lastRuns: [], bootTestAfter: false,
};
vi.mock('../../api/jobs', async (original) => ({
  ...(await original<typeof import('../../api/jobs')>()),
  listJobs: () => Promise.resolve([legacy]),
}));
vi.mock('../../api/vms', async (original) => ({
  ...(await original<typeof import('../../api/vms')>()),
  listVms: () => Promise.resolve([]),
}));
vi.mock('../../api/repositories', () => ({ listRepositories: () => Promise.resolve([]) }));

describe('JobsPage', () => {
  it('flags a job whose old regular expression needs a glob, and shows the expression when it is edited', async () => {
    renderAs('operator', <JobsPage />);
    expect(await screen.findByText('needs a glob: edit it')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Edit old-regex' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent',
      expect.stringContaining('(web|db)[0-9]+'));
    expect(screen.getByLabelText('or VM names matching').getAttribute('placeholder')).toBe('web*');
  });
});

describe('PruneTable', () => {
  it('shows what each removal frees at most, and nothing for the points kept', () => {
    renderAs('operator', <PruneTable results={[{
      vmId: 'v1', vmName: 'db01', dryRun: true, kept: 1, removed: 1, points: [
        { restorePointId: 'p2', createdAt: '2026-12-04T10:00:00Z', keep: true, keptBy: ['keepLast'], freesAtMostBytes: null },
        { restorePointId: 'p1', createdAt: '2026-12-03T10:00:00Z', keep: false, keptBy: [], freesAtMostBytes: 12 * 1024 * 1024 },
      ],
    }]} />);
    const [, kept, removed] = screen.getAllByRole('row').map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
    expect(kept.slice(1)).toEqual(['keep', 'keepLast', '—']);
    expect(removed.slice(1)).toEqual(['remove', '—', '12.0 MiB']);
    expect(screen.getByRole('table').querySelector('caption')?.textContent).toBe('db01: keeps 1, removes 1');
  });
});
