import { fireEvent, screen } from '@testing-library/react';
import type { Job } from '../../api/jobs';
import { renderAs } from '../../test/withRole';
import { JobsPage } from './JobsPage';

const legacy: Job = {
  id: 'j2', name: 'old-regex', schedule: '0 0 2 * * ?', timeZone: 'UTC', vmIds: [], vmNamePattern: null,
  legacyVmNameRegex: '(web|db)[0-9]+', mode: 'auto', writer: null, repositoryId: 'r', retention: { keepLast: 3 },
  enabled: false, verifyAfter: false, maxParallel: 2, minimumConsistency: null, createdAt: '', updatedAt: '',
  nextFireTimes: [], lastRuns: [],
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
