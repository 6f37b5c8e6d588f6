import { fireEvent, screen, waitFor } from '@testing-library/react';
import { ApiError } from '../../api/client';
import type { Job, JobRequest } from '../../api/jobs';
import type { Repository } from '../../api/repositories';
import { renderAs } from '../../test/withRole';
import { JobForm } from './JobForm';

const sent: JobRequest[] = [];
let answer: (job: JobRequest) => Promise<Job>;
const saved = (job: JobRequest) => Promise.resolve({ ...job, id: 'j1', nextFireTimes: [], lastRuns: [] } as unknown as Job);
vi.mock('../../api/jobs', async (original) => ({
  ...(await original<typeof import('../../api/jobs')>()),
  createJob: (job: JobRequest) => {
    sent.push(job);
    return answer(job);
  },
  updateJob: (_id: string, job: JobRequest) => {
    sent.push(job);
    return answer(job);
  },
}));

const repository = { id: 'repo', name: 'main' } as Repository;
const compareEvery = () => screen.getByLabelText('Compare every Nth point');

const fill = (value: string) => {
  fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'nightly' } });
  fireEvent.change(compareEvery(), { target: { value } });
  fireEvent.click(screen.getByRole('button', { name: 'Create job' }));
};

describe('a job form compareEvery', () => {
  beforeEach(() => {
    sent.length = 0;
  });

  it('sends the number given, and null when the field is emptied', async () => {
    answer = saved;
    renderAs('operator', <JobForm vms={[]} repositories={[repository]} onSaved={() => {}} onCancel={() => {}} />);
    fill('10');
    await waitFor(() => expect(sent).toHaveLength(1));
    expect(sent[0].compareEvery).toBe(10);
    fireEvent.change(compareEvery(), { target: { value: '' } });
    fireEvent.click(await screen.findByRole('button', { name: 'Save job' }));
    await waitFor(() => expect(sent).toHaveLength(2));
    expect(sent[1].compareEvery).toBeNull();
  });

  it('shows the server refusing a value next to the field', async () => {
    answer = () => Promise.reject(new ApiError(400, {
      detail: 'compareEvery: must be between 1 and 1000',
      errors: [{ field: 'compareEvery', message: 'must be between 1 and 1000' }],
    }));
    renderAs('operator', <JobForm vms={[]} repositories={[repository]} onSaved={() => {}} onCancel={() => {}} />);
    fill('0');
    expect(await screen.findByText('must be between 1 and 1000')).toBeTruthy();
    expect(compareEvery().getAttribute('aria-invalid')).toBe('true');
    expect(sent[0].compareEvery).toBe(0);
  });
});
