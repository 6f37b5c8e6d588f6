import { render, screen } from '@testing-library/react';
import { CronPreview } from './CronPreview';
import { cronProblem } from './cron';

describe('cronProblem', () => {
  it('takes Quartz expressions with six or seven fields', () => {
    expect(cronProblem('0 0 2 * * ?')).toBeNull();
    expect(cronProblem('0 30 2 ? * MON-FRI 2027')).toBeNull();
    expect(cronProblem('0 0/15 * * * ?')).toBeNull();
  });

  it('explains what is wrong', () => {
    expect(cronProblem('0 2 * * *')).toMatch(/6 or 7 fields.*has 5/);
    expect(cronProblem('0 0 25 * * ?')).toMatch(/hours field allows 0 to 23, not 25/);
    expect(cronProblem('0 0 2 * * *')).toMatch(/'\?' in exactly one of day-of-month and day-of-week/);
    expect(cronProblem('? 0 2 * * ?')).toMatch(/not in seconds/);
    expect(cronProblem('0 0 2 * * ? $')).toMatch(/characters/);
  });
});

describe('CronPreview', () => {
  it('lists the next fire times in the job time zone', () => {
    render(<CronPreview schedule="0 0 2 * * ?" timeZone="UTC"
      nextFireTimes={['2026-11-27T02:00:00Z', '2026-11-28T02:00:00Z']} />);
    const times = screen.getAllByRole('listitem');
    expect(times).toHaveLength(2);
    expect(times[0].querySelector('time')?.getAttribute('dateTime')).toBe('2026-11-27T02:00:00Z');
    expect(screen.getByText(/seconds 0 · minutes 0 · hours 2/)).toBeTruthy();
  });

  it('shows the console\'s objection while typing and the server\'s after saving', () => {
    const { rerender } = render(<CronPreview schedule="0 0 2 * *" timeZone="UTC" />);
    expect(screen.getByText(/6 or 7 fields/)).toBeTruthy();
    rerender(<CronPreview schedule="0 0 2 * * ?" timeZone="UTC" serverError="schedule: not a Quartz cron expression" />);
    expect(screen.getByText('schedule: not a Quartz cron expression')).toBeTruthy();
  });

  it('says when the times appear, before the job is saved', () => {
    render(<CronPreview schedule="0 0 2 * * ?" timeZone="Europe/Berlin" />);
    expect(screen.getByText(/once the job is saved/)).toBeTruthy();
  });
});
