import { screen } from '@testing-library/react';
import { renderAs } from '../../test/withRole';
import { DashboardPage } from './DashboardPage';

vi.mock('../../api/vms', () => ({ listVms: () => Promise.resolve([]) }));
vi.mock('../../api/runs', () => ({ listRuns: () => Promise.resolve({ items: [] }) }));
vi.mock('../../api/dashboard', () => ({
  getDashboard: () => Promise.resolve({ at: '', vms: 0, protectedVms: 0, runsLastDay: {}, activeRuns: [] }),
}));
vi.mock('../../api/restorePoints', () => ({
  listUnproven: () => Promise.resolve([
    { vmId: 'v1', vmName: 'db01', restorePointId: 'p1', pointCreatedAt: '2026-12-04T10:00:00Z', bootTestStatus: 'FAILED' },
    { vmId: 'v2', vmName: 'web01', restorePointId: 'p2', pointCreatedAt: '2026-12-04T10:00:00Z', bootTestStatus: null },
  ]),
}));

describe('the dashboard', () => {
  it('lists the VMs whose newest point has not passed a boot test, each linked to that point', async () => {
    renderAs('viewer', <DashboardPage />);
    const db = await screen.findByRole('link', { name: 'db01' });
    expect(db.getAttribute('href')).toBe('#/restore-points?vm=v1&point=p1');
    expect(db.parentElement?.textContent).toBe('db01: boot test failed');
    expect(screen.getByRole('link', { name: 'web01' }).parentElement?.textContent).toBe('web01: never boot-tested');
  });
});
