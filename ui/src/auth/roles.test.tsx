import { screen, waitFor } from '@testing-library/react';
import type { Vm } from '../api/vms';
import { VmRow } from '../pages/vms/VmsPage';
import { JobsPage } from '../pages/jobs/JobsPage';
import { renderAs } from '../test/withRole';
import { allows } from './AuthContext';

vi.mock('../api/jobs', async (original) => ({
  ...(await original<typeof import('../api/jobs')>()),
  listJobs: () => Promise.resolve([{
    id: 'j1', name: 'nightly', schedule: '0 0 2 * * ?', timeZone: 'UTC', vmIds: [], vmNamePattern: '*', legacyVmNameRegex: null, mode: 'auto',
    writer: null, repositoryId: 'r', retention: {}, enabled: true, verifyAfter: false, maxParallel: 2,
    minimumConsistency: null, createdAt: '', updatedAt: '', nextFireTimes: [], lastRuns: [],
  }]),
}));
vi.mock('../api/vms', async (original) => ({
  ...(await original<typeof import('../api/vms')>()),
  listVms: () => Promise.resolve([]),
}));
vi.mock('../api/repositories', () => ({ listRepositories: () => Promise.resolve([]) }));

const vm: Vm = {
  id: 'v1', name: 'web01', hostId: 'h1', ref: 'ref', state: 'RUNNING', stateError: null, canQuiesce: true,
  memoryBytes: 1, guestOs: 'Linux', directory: '/demo/web01', disks: [], lastRestorePointAt: '2026-11-26T10:00:00Z',
  present: true, vanishedAt: null,
  backupBlockedReason: null, quiesceNote: null, maxPointAge: null, unprotected: false, stateObservedAt: null, stateStale: false,
};

function row(role: 'viewer' | 'operator') {
  return renderAs(role, <table><tbody><VmRow vm={vm} now={Date.parse('2026-11-26T11:00:00Z')} onStarted={() => {}} /></tbody></table>);
}

describe('role-based controls', () => {
  it('ranks roles: admin may all, operator what operators may, viewer only read', () => {
    expect(allows('admin', 'operator')).toBe(true);
    expect(allows('operator', 'operator')).toBe(true);
    expect(allows('operator', 'admin')).toBe(false);
    expect(allows('viewer', 'operator')).toBe(false);
  });

  it('hides "Back up now" from viewers and shows it to operators', () => {
    row('viewer');
    expect(screen.queryByRole('button', { name: /Back up/ })).toBeNull();
    expect(screen.queryByLabelText(/Mode for/)).toBeNull();
    row('operator');
    expect(screen.getByRole('button', { name: 'Back up web01 now' })).toBeTruthy();
  });

  it('marks a VM stale only after a day without a restore point', () => {
    row('viewer');
    expect(screen.getByRole('row', { name: /web01/ }).className).toBe('');
    renderAs('viewer', <table><tbody><VmRow vm={vm} now={Date.parse('2026-11-28T11:00:00Z')} onStarted={() => {}} /></tbody></table>);
    expect(screen.getAllByRole('row', { name: /web01/ })[1].className).toBe('stale');
  });

  it('gives viewers the job list without edit, run or prune buttons', async () => {
    renderAs('viewer', <JobsPage />);
    await waitFor(() => expect(screen.getByRole('rowheader', { name: 'nightly' })).toBeTruthy());
    expect(screen.queryByRole('button', { name: /Edit|Run|Prune|Delete|New job|Disable/ })).toBeNull();
  });

  it('gives operators the job buttons', async () => {
    renderAs('operator', <JobsPage />);
    expect(await screen.findByRole('button', { name: 'Edit nightly' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Run nightly now' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Prune dry run of nightly' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'New job' })).toBeTruthy();
  });
});
