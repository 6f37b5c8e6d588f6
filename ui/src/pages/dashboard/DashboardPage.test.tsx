import type { Run } from '../../api/runs';
import { outcomesOfLastDay } from './DashboardPage';

const now = Date.parse('2026-11-26T12:00:00Z');
const run = (status: string, createdAt: string, finishedAt: string | null = createdAt) => ({ status, createdAt, finishedAt }) as Run;

describe('outcomesOfLastDay', () => {
  it('counts the finished runs of the last 24 h by outcome', () => {
    expect(outcomesOfLastDay([
      run('SUCCEEDED', '2026-11-26T11:00:00Z'),
      run('SUCCEEDED', '2026-11-25T13:00:00Z'),
      run('FAILED', '2026-11-26T02:00:00Z'),
      run('SKIPPED', '2026-11-26T02:00:00Z'),
      run('SUCCEEDED', '2026-11-24T11:00:00Z'),
      run('RUNNING', '2026-11-26T11:59:00Z', null),
    ], now)).toEqual({ SUCCEEDED: 2, FAILED: 1, CANCELLED: 0, SKIPPED: 1 });
  });
});
