import { screen } from '@testing-library/react';
import { renderAs } from '../../test/withRole';
import { DashboardPage } from './DashboardPage';

const listRuns = vi.fn();

vi.mock('../../api/vms', () => ({ listVms: () => Promise.resolve([]) }));
vi.mock('../../api/restorePoints', () => ({ listUnproven: () => Promise.resolve([]) }));
vi.mock('../../api/runs', () => ({ listRuns: (filter: unknown) => listRuns(filter) }));
vi.mock('../../api/dashboard', () => ({
  getDashboard: () => Promise.resolve({
    at: '2026-11-26T12:00:00Z', vms: 200, protectedVms: 180,
    runsLastDay: { SUCCEEDED: 4700, FAILED: 3, CANCELLED: 0, SKIPPED: 1 }, activeRuns: [],
  }),
}));

describe('the dashboard', () => {
  beforeEach(() => listRuns.mockReset().mockResolvedValue({ items: [] }));

  it('shows the figures the server counted, not counts of a loaded list', async () => {
    renderAs('viewer', <DashboardPage />);
    expect(await screen.findByText('180 of 200')).toBeTruthy();
    const outcome = (name: string) => screen.getByText(name).parentElement?.querySelector('dd')?.textContent;
    expect(outcome('succeeded')).toBe('4700');
    expect(outcome('failed')).toBe('3');
    expect(outcome('skipped')).toBe('1');
  });

  it('charts one page of the newest succeeded runs', async () => {
    renderAs('viewer', <DashboardPage />);
    await screen.findByText('180 of 200');
    expect(listRuns).toHaveBeenCalledWith({ status: 'SUCCEEDED', limit: 500 });
  });
});
